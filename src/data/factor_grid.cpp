#include "infofrag/data/factor_grid.hpp"

#include <numeric>

#include "infofrag/core/error.hpp"

namespace infofrag::data {

std::vector<int64_t> FactorGrid::rows_of(const torch::Tensor& factors) const {
  const auto f = static_cast<int64_t>(classes.size());
  TORCH_CHECK(factors.dim() == 2 && factors.size(1) == f,
              "FactorGrid::rows_of: factors must be [B, ", f, "]");
  const auto c = factors.to(torch::kInt64).contiguous();
  const auto a = c.accessor<int64_t, 2>();
  const int64_t* table = rows.data_ptr<int64_t>();
  std::vector<int64_t> out(static_cast<size_t>(c.size(0)));
  for (int64_t b = 0; b < c.size(0); ++b) {
    int64_t flat = 0;
    for (int64_t j = 0; j < f; ++j) {
      TORCH_CHECK(a[b][j] >= 0 && a[b][j] < classes[static_cast<size_t>(j)],
                  "FactorGrid::rows_of: class out of range");
      flat = flat * classes[static_cast<size_t>(j)] + a[b][j];
    }
    out[static_cast<size_t>(b)] = table[flat];
  }
  return out;
}

std::optional<FactorGrid> find_factor_grid(const Dataset& dataset, std::string& why) {
  const std::string name = fields::format(dataset.kind());
  const int64_t n = dataset.size();
  const std::vector<std::string> names = dataset.factor_names();
  if (names.empty()) {
    why = "dataset '" + name + "' has no factor labels";
    return std::nullopt;
  }
  std::vector<int64_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  const torch::Tensor labels = dataset.labels(all);  // [n, F0]
  FactorGrid grid;
  torch::Tensor flat = torch::zeros({n}, torch::kInt64);
  int64_t combinations = 1;
  for (int64_t j = 0; j < labels.size(1); ++j) {
    const auto [values, inverse] =
        torch::_unique(labels.select(1, j).contiguous(), /*sorted=*/true, /*return_inverse=*/true);
    if (values.numel() < 2) continue;
    grid.names.push_back(names[static_cast<size_t>(j)]);
    grid.columns.push_back(j);
    grid.classes.push_back(values.numel());
    flat = flat * values.numel() + inverse;
    combinations *= values.numel();
    if (combinations > n) break;  // more combinations than rows: not a grid
  }
  if (grid.classes.size() < 2) {
    why = "dataset '" + name + "' has " + std::to_string(grid.classes.size()) +
          " factor with two or more classes; fixing one factor while the others vary needs two "
          "or more";
    return std::nullopt;
  }
  std::string shape;
  for (size_t j = 0; j < grid.classes.size(); ++j) {
    shape += (j ? " x " : "") + std::to_string(grid.classes[j]) + " " + grid.names[j];
  }
  if (combinations != n) {
    why = "dataset '" + name + "' has " + std::to_string(n) +
          " items, not one per combination of its factors' classes (" + shape + ")";
    return std::nullopt;
  }
  grid.rows = torch::full({n}, -1, torch::kInt64);
  grid.rows.index_put_({flat}, torch::arange(n, torch::kInt64));
  const int64_t missing = (grid.rows < 0).sum().item<int64_t>();
  if (missing > 0) {
    why = "dataset '" + name + "' has " + std::to_string(n) + " items but " +
          std::to_string(missing) + " combinations of its factors' classes (" + shape +
          ") are missing and others repeat";
    return std::nullopt;
  }
  return grid;
}

FactorGrid factor_grid(const Dataset& dataset, const std::string& where) {
  std::string why;
  std::optional<FactorGrid> grid = find_factor_grid(dataset, why);
  if (!grid) throw InputError(where + ": " + why);
  return std::move(*grid);
}

}  // namespace infofrag::data
