#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "infofrag/data/dataset.hpp"

namespace infofrag::data {

/// The rows of a dataset that holds exactly one item per combination of its factors' classes
/// (dSprites and its variants, Shapes3D, an `hdf5` export of such a grid): what the BetaVAE and
/// FactorVAE scores need to draw observations with chosen factors fixed. Factors with one
/// class are left out; each factor's label values, in increasing order, are its classes.
struct FactorGrid {
  std::vector<std::string> names;  ///< [F] factors with two or more classes
  std::vector<int64_t> columns;    ///< [F] their columns in Dataset::labels
  std::vector<int64_t> classes;    ///< [F] classes of each
  torch::Tensor rows;  ///< int64 [classes[0] · … · classes[F-1]], row-major: the row

  /// Dataset rows of the combinations `factors`, int64 [B, F] of classes (in range).
  std::vector<int64_t> rows_of(const torch::Tensor& factors) const;
};

/// The dataset's grid, or nothing with `why` set: no labels, fewer than two factors with two
/// or more classes, or rows that are not one per combination.
std::optional<FactorGrid> find_factor_grid(const Dataset& dataset, std::string& why);

/// The dataset's grid; throws InputError "`where`: <why>" when it has none.
FactorGrid factor_grid(const Dataset& dataset, const std::string& where);

}  // namespace infofrag::data
