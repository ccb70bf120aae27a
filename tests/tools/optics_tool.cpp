// Test-only: runs infofrag::optics on /distances of an HDF5 file, so that Python can compare
// it with scikit-learn. Usage: infofrag_optics_tool IN.h5 OUT.h5
//
// IN.h5: /distances float64 [n, n] with attributes on it (all but min_samples optional):
//   min_samples, min_cluster_size: an integer >= 2, or a fraction in (0, 1] of n (as
//     sklearn reads a float; a value <= 1 is a fraction); min_cluster_size absent = None;
//   max_eps (default inf), xi (default 0.05), predecessor_correction (0 or 1, default 1),
//   compat: "current" (default; scikit-learn >= 1.3) or "sklearn-1.2".
// OUT.h5: /ordering, /predecessor, /labels int64 [n]; /reachability, /core_distances
//   float64 [n] (indexed by point, as sklearn's attributes); /clusters int64 [k, 2].
#include "infofrag/core/error.hpp"
#include "infofrag/hotspots/optics.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"

#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

namespace {

constexpr const char* kDistances = "/distances";

/// Reads a size attribute into a count or a fraction, as sklearn reads an int or a float.
void read_size(const infofrag::h5::File& in, const std::string& attr, int64_t& count,
               double& fraction) {
  const double value = in.read_number_attr(kDistances, attr);
  if (value > 0 && value <= 1) {
    fraction = value;
  } else if (value == std::floor(value)) {
    count = static_cast<int64_t>(value);
  } else {
    throw infofrag::ConfigError(in.where(kDistances) + " attribute '" + attr +
                                "' = " + std::to_string(value) +
                                ": must be an integer or a fraction in (0, 1]");
  }
}

torch::Tensor int64_tensor(const std::vector<int64_t>& v) {
  return torch::tensor(v, torch::kInt64);
}

torch::Tensor float64_tensor(const std::vector<double>& v) {
  return torch::tensor(v, torch::kFloat64);
}

int run(const std::string& in_path, const std::string& out_path) {
  const infofrag::h5::File in = infofrag::h5::File::open(in_path);
  infofrag::OpticsOptions options;
  read_size(in, "min_samples", options.min_samples, options.min_samples_fraction);
  if (in.has_attr(kDistances, "min_cluster_size")) {
    read_size(in, "min_cluster_size", options.min_cluster_size, options.min_cluster_size_fraction);
  }
  if (in.has_attr(kDistances, "max_eps")) {
    options.max_eps = in.read_number_attr(kDistances, "max_eps");
  }
  if (in.has_attr(kDistances, "xi")) options.xi = in.read_number_attr(kDistances, "xi");
  if (in.has_attr(kDistances, "compat")) {
    const std::string compat = in.read_string_attr(kDistances, "compat").at(0);
    try {
      options.compat = infofrag::fields::Traits<infofrag::OpticsCompat>::parse(compat);
    } catch (const infofrag::fields::BadValue& e) {
      throw infofrag::ConfigError(in.where(kDistances) + " attribute 'compat' '" + compat + "' " +
                                  e.what());
    }
  }
  if (in.has_attr(kDistances, "predecessor_correction")) {
    options.predecessor_correction = in.read_number_attr(kDistances, "predecessor_correction") != 0;
  }
  const infofrag::OpticsResult r = infofrag::optics(in.read(kDistances, torch::kFloat64), options);

  std::vector<int64_t> clusters;
  for (const auto& [start, end] : r.clusters) {
    clusters.push_back(start);
    clusters.push_back(end);
  }
  infofrag::AtomicFile out_file(out_path);
  {
    infofrag::h5::File out = infofrag::h5::File::create(out_file.temp_path());
    out.write("/ordering", int64_tensor(r.ordering));
    out.write("/reachability", float64_tensor(r.reachability));
    out.write("/core_distances", float64_tensor(r.core_distances));
    out.write("/predecessor", int64_tensor(r.predecessor));
    out.write("/labels", int64_tensor(r.labels));
    out.write("/clusters",
              int64_tensor(clusters).reshape({static_cast<int64_t>(r.clusters.size()), 2}));
  }
  out_file.commit();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IN.h5 OUT.h5\n", argv[0]);
    return 2;
  }
  try {
    return run(argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
