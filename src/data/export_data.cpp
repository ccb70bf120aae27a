#include <algorithm>
#include <filesystem>

#include "infofrag/core/error.hpp"
#include "infofrag/core/lists.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"

namespace infofrag::data {

int run_export_data(const ExportDataConfig& config) {
  fields::check(config, "--");
  fields::check_files(config, "--");
  check_output_path(
      config.out, {{"--path", config.data.path, std::filesystem::is_directory(config.data.path)}});
  const std::unique_ptr<Dataset> dataset = open_dataset(config.data);
  const std::vector<int64_t> indices = expand(config.indices, dataset->size(), "--indices");
  const auto n = static_cast<int64_t>(indices.size());

  std::vector<int64_t> shape = dataset->item_shape();
  shape.insert(shape.begin(), n);
  // Items are drawn in chunks so that a large export never holds them all as float32.
  constexpr int64_t kChunk = 4096;
  torch::Tensor values = torch::empty(shape, dataset->is_image() ? torch::kUInt8 : torch::kFloat32);
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t end = std::min(n, begin + kChunk);
    const std::vector<int64_t> chunk(indices.begin() + begin, indices.begin() + end);
    torch::Tensor items = dataset->items(chunk);
    if (dataset->is_image()) items = items.mul(255.0).round_().clamp_(0, 255).to(torch::kUInt8);
    values.slice(0, begin, end).copy_(items);
  }

  AtomicFile output(config.out);
  {
    h5::File file = h5::File::create(output.temp_path());
    file.write(dataset->is_image() ? "/images" : "/vectors", values);
    const std::vector<std::string> names = dataset->factor_names();
    if (!names.empty()) {
      file.write("/labels", dataset->labels(indices));
      file.set_attr("/labels", "factor_names", names);
    }
    file.write("/index", torch::tensor(indices, torch::kInt64));
    file.set_attr("/", "dataset", fields::format(dataset->kind()));
  }
  output.commit();
  return 0;
}

}  // namespace infofrag::data
