#include "infofrag/traverse/traverse.hpp"

#include <torch/torch.h>

#include <cstdio>

#include "infofrag/analyze/analysis_file.hpp"
#include "infofrag/core/device.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/embeddings.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/io/png.hpp"

namespace infofrag {

namespace {

/// Tiles images [H, S, C, h, w] in [0, 1] into one picture with 1-pixel grey gaps:
/// uint8 [rows, cols] (C = 1) or [rows, cols, 3] (C = 3).
torch::Tensor grid(const torch::Tensor& images) {
  const int64_t rows = images.size(0), cols = images.size(1), c = images.size(2);
  const int64_t h = images.size(3), w = images.size(4);
  auto canvas = torch::full({c, rows * (h + 1) + 1, cols * (w + 1) + 1}, 0.5, torch::kFloat32);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t s = 0; s < cols; ++s) {
      canvas.narrow(1, 1 + r * (h + 1), h).narrow(2, 1 + s * (w + 1), w).copy_(images[r][s]);
    }
  }
  auto bytes = (canvas.clamp(0, 1) * 255).round().to(torch::kUInt8);
  return c == 1 ? bytes[0] : bytes.permute({1, 2, 0}).contiguous();
}

}  // namespace

void validate(const TraverseConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
  fields::check_files(config, "--");
}

TraverseReport run_traverse(const TraverseConfig& config) {
  validate(config);
  check_input_path(config.analysis, "--analysis");
  check_input_path(config.embeddings, "--embeddings");
  check_input_path(config.ensemble, "--ensemble");
  const std::vector<StageInput> inputs = {{"--analysis", config.analysis},
                                          {"--embeddings", config.embeddings},
                                          {"--ensemble", config.ensemble + "/members", true},
                                          {"--ensemble", config.ensemble + "/config.ini"}};
  check_output_path(config.out, inputs);
  if (!config.png.empty()) {
    std::vector<StageInput> png_inputs = inputs;
    png_inputs.push_back({"--out", config.out});  // written first, must not be replaced
    check_output_path(config.png, png_inputs, "--png");
  }
  const auto device = resolve_device(config.device, "--device");
  ensemble::check_ensemble_folder(config.ensemble);
  AnalysisParts parts;
  parts.labels = false;
  parts.hotspots = true;
  const AnalysisContents analysis = read_analysis(config.analysis, parts);
  const std::vector<std::string>& members = analysis.hotspots.medoid_member;
  const torch::Tensor dims =
      analysis.hotspots.count > 0 ? analysis.hotspots.medoid_dim : torch::Tensor();
  const Embeddings embeddings = read_embeddings(config.embeddings);

  std::vector<torch::Tensor> decoded, values;
  std::vector<int64_t> hotspot;
  torch::NoGradGuard no_grad;
  for (size_t h = 0; h < members.size(); ++h) {
    const std::string& id = members[h];
    const int64_t dim = dims[static_cast<int64_t>(h)].item<int64_t>();
    const Member* member = nullptr;
    for (const auto& m : embeddings.members) {
      if (m.id == id) member = &m;
    }
    if (!member) throw InputError(config.embeddings + ": /members/" + id + " is missing");
    if (dim >= member->mu.size(1)) {
      throw InputError(config.analysis + ": /hotspots/table/medoid_dim[" + std::to_string(h) +
                       "] is " + std::to_string(dim) + ", but member " + id + " has " +
                       std::to_string(member->mu.size(1)) + " dimensions in " + config.embeddings);
    }
    const std::string path = ensemble::member_file(config.ensemble, id);
    const auto record = ensemble::read_member(path);
    if (record.model.latents != member->mu.size(1)) {
      throw InputError(path + ": attribute 'latents' is " + std::to_string(record.model.latents) +
                       ", but " + config.embeddings + ": /members/" + id + " has " +
                       std::to_string(member->mu.size(1)) + " dimensions");
    }
    auto model = ensemble::load_members({record}, {path}, device);
    const auto column = member->mu.select(1, dim);
    const auto range = torch::quantile(
        column, torch::tensor({config.quantile, 1.0 - config.quantile}, torch::kFloat64));
    const auto sweep = torch::linspace(range[0].item<double>(), range[1].item<double>(),
                                       config.steps, torch::kFloat64);
    auto z = member->mu.mean(0).unsqueeze(0).repeat({config.steps, 1});
    z.select(1, dim).copy_(sweep);
    auto out = model->decode(z.to(device, torch::kFloat32).unsqueeze(0))[0].cpu();
    if (record.item_shape.size() == 3) out = torch::sigmoid(out);
    decoded.push_back(out);
    values.push_back(sweep);
    hotspot.push_back(static_cast<int64_t>(h));
  }

  AtomicFile file_out(config.out);
  {
    h5::File file = h5::File::create(file_out.temp_path());
    file.create_group("/traversals");
    file.set_attr("/traversals", "count", static_cast<int64_t>(hotspot.size()));
    file.set_attr("/traversals", "analysis", config.analysis);
    file.set_attr("/traversals", "quantile", config.quantile);
    file.set_attr("/traversals", "config", fields::ini_text(config));
    if (!hotspot.empty()) {
      file.write("/traversals/hotspot", torch::tensor(hotspot, torch::kInt64));
      file.write_strings("/traversals/member", members);
      file.write("/traversals/dim", dims);
      file.write("/traversals/values", torch::stack(values));
      file.write("/traversals/decoded", torch::stack(decoded));
    }
  }
  file_out.commit();
  TraverseReport report{config.out, "", hotspot.size()};
  if (!config.png.empty() && !decoded.empty() && decoded.front().dim() == 4) {
    write_png(config.png, grid(torch::stack(decoded)));
    report.png = config.png;
  }
  return report;
}

}  // namespace infofrag
