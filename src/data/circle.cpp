// The unit circle: the simplest data with a continuous, periodic factor.
#include <cmath>
#include <limits>

#include "datasets.hpp"
#include "infofrag/core/error.hpp"

namespace infofrag::data {

namespace {

constexpr double kPi = 3.14159265358979323846;

class Circle : public Dataset {
 public:
  Circle(int64_t points, int64_t bins) : points_(points), bins_(bins) {}

  DatasetKind kind() const override { return DatasetKind::kCircle; }
  int64_t size() const override { return points_; }
  std::vector<int64_t> item_shape() const override { return {2}; }

  torch::Tensor items(const std::vector<int64_t>& indices) const override {
    const auto n = static_cast<int64_t>(indices.size());
    torch::Tensor out = torch::empty({n, 2}, torch::kFloat32);
    auto rows = out.accessor<float, 2>();
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = checked(indices[static_cast<size_t>(k)]);
      const double theta = 2 * kPi * static_cast<double>(i) / static_cast<double>(points_);
      rows[k][0] = static_cast<float>(std::cos(theta));
      rows[k][1] = static_cast<float>(std::sin(theta));
    }
    return out;
  }

  torch::Tensor labels(const std::vector<int64_t>& indices) const override {
    const auto n = static_cast<int64_t>(indices.size());
    torch::Tensor out = torch::empty({n, 1}, torch::kInt64);
    auto rows = out.accessor<int64_t, 2>();
    for (int64_t k = 0; k < n; ++k) {
      rows[k][0] = checked(indices[static_cast<size_t>(k)]) * bins_ / points_;
    }
    return out;
  }

  std::vector<std::string> factor_names() const override { return {"angle"}; }

 private:
  int64_t checked(int64_t index) const {
    TORCH_CHECK(index >= 0 && index < points_, "circle: index ", index, " out of range");
    return index;
  }

  int64_t points_;  ///< items, at angles 2π·i/points_
  int64_t bins_;    ///< classes of the angle factor
};

}  // namespace

std::unique_ptr<Dataset> open_circle(const DataConfig& config) {
  if (config.circle_points < 1) {
    throw ConfigError("circle-points " + std::to_string(config.circle_points) + " must be >= 1");
  }
  if (config.circle_bins < 1) {
    throw ConfigError("circle-bins " + std::to_string(config.circle_bins) + " must be >= 1");
  }
  // The label i·bins/points is computed in int64.
  if (config.circle_bins > std::numeric_limits<int64_t>::max() / config.circle_points) {
    throw ConfigError("circle-points " + std::to_string(config.circle_points) + " × circle-bins " +
                      std::to_string(config.circle_bins) + " is too large");
  }
  return std::make_unique<Circle>(config.circle_points, config.circle_bins);
}

}  // namespace infofrag::data
