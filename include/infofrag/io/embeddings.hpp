#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "infofrag/io/h5.hpp"

namespace infofrag {

/// One ensemble member's posteriors over the fingerprint points.
struct Member {
  std::string id;        ///< group name under /members
  torch::Tensor mu;      ///< float64 [N, d] posterior means
  torch::Tensor logvar;  ///< float64 [N, d] natural-log variances
  /// Free metadata (beta, seed, ...). Written as given; read back: the numeric ones, as double.
  std::map<std::string, h5::AttrValue> attrs;
};

/// The embeddings file: every member's diagonal-Gaussian posteriors over one shared
/// fingerprint sample of N points (README, "The embeddings file").
struct Embeddings {
  std::vector<Member> members;            ///< in natural order of their ids (run_2 < run_10)
  torch::Tensor index;                    ///< int64 [N] dataset rows, or undefined
  torch::Tensor labels;                   ///< int64 [N, F] factor classes, or undefined
  std::vector<std::string> factor_names;  ///< F names when labels are defined

  int64_t points() const { return members.empty() ? 0 : members.front().mu.size(0); }
  int64_t channels() const;  ///< total latent dimensions over all members
  /// Keeps the first `count` fingerprint points (1 <= count <= points()).
  Embeddings first_points(int64_t count) const;
};

/// Reads and validates an embeddings file. Every problem (missing file, not HDF5, truncated,
/// no members, missing or mismatched mu/logvar, different N between members, non-finite
/// values, N = 0, labels of the wrong length) is an InputError naming the file, the dataset
/// and the offending value.
Embeddings read_embeddings(const std::string& path);

/// Writes an embeddings file atomically (temporary name, then rename).
void write_embeddings(const std::string& path, const Embeddings& embeddings);

/// Positions in embeddings.members of the members `ids` names, in that order; every member,
/// in file order, when `ids` is empty. ConfigError naming `option` for an empty id, an id
/// named twice, or one that the embeddings (file `file`, "" when not from a file) lack.
std::vector<int64_t> select_members(const Embeddings& embeddings,
                                    const std::vector<std::string>& ids,
                                    const std::string& option = "--members",
                                    const std::string& file = "");

/// Orders "run_2" before "run_10": digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b);

}  // namespace infofrag
