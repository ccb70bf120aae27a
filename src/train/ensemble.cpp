#include "infofrag/train/ensemble.hpp"

#include <algorithm>
#include <filesystem>

#include "infofrag/core/error.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/core/lists.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/embeddings.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/version.hpp"

namespace fs = std::filesystem;

namespace infofrag::train {

namespace {

std::string join(const std::vector<int64_t>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out;
}

std::string string_attr(const h5::File& file, const std::string& attr) {
  if (!file.has_attr("/", attr)) {
    throw InputError(file.path() + ": attribute '" + attr +
                     "' is missing; is this a member file written by infofrag train?");
  }
  const auto values = file.read_string_attr("/", attr);
  if (values.size() != 1)
    throw InputError(file.path() + ": attribute '" + attr + "' is not a string");
  return values.front();
}

double number_attr(const h5::File& file, const std::string& attr) {
  if (!file.has_attr("/", attr)) {
    throw InputError(file.path() + ": attribute '" + attr +
                     "' is missing; is this a member file written by infofrag train?");
  }
  return file.read_number_attr("/", attr);
}

/// A text attribute read as the option type T (an enum); InputError naming file and value.
template <class T>
T text_attr(const h5::File& file, const std::string& attr) {
  const std::string text = string_attr(file, attr);
  try {
    return fields::parse<T>(text);
  } catch (const fields::BadValue& e) {
    throw InputError(file.path() + ": attribute '" + attr + "' = '" + text + "' " + e.what());
  }
}

}  // namespace

std::string member_file(const std::string& ensemble_dir, const std::string& id) {
  return (fs::path(ensemble_dir) / "members" / (id + ".h5")).string();
}

void write_member(const std::string& path, const MemberRecord& r,
                  const std::map<std::string, torch::Tensor>& weights) {
  AtomicFile out(path);
  {
    h5::File file = h5::File::create(out.temp_path());
    const MemberSpec& m = r.spec;
    std::map<std::string, h5::AttrValue> attrs = {
        {"id", m.id},
        {"status", r.status},
        {"objective", fields::format(m.objective)},
        {"beta", m.beta},
        {"gamma", m.gamma},
        {"capacity", m.capacity},
        {"lr", m.lr},
        {"seed", m.seed},
        {"steps", r.steps},
        {"steps_done", r.steps_done},
        {"batch_size", r.batch_size},
        {"final_recon", r.final_recon},
        {"final_kl", r.final_kl},
        {"final_loss", r.final_loss},
        {"item_shape", join(r.item_shape)},
        {"infofrag_version", std::string(kVersion)},
    };
    // [data] and [model] as their field tables name them (dataset, data_path, model, ...).
    for (auto& [name, value] : fields::attrs(r.data)) {
      attrs[name] = std::visit([](auto v) { return h5::AttrValue(v); }, value);
    }
    for (auto& [name, value] : fields::attrs(r.model)) {
      attrs[name] = std::visit([](auto v) { return h5::AttrValue(v); }, value);
    }
    for (const auto& [name, value] : attrs) file.set_attr("/", name, value);
    file.create_group("/curves");
    if (r.curve_step.defined() && r.curve_step.numel() > 0) {
      file.write("/curves/step", r.curve_step);
      file.write("/curves/recon", r.curve_recon);
      file.write("/curves/kl", r.curve_kl);
      file.write("/curves/loss", r.curve_loss);
    }
    for (const auto& [name, value] : weights) {
      file.write("/weights/" + name, value.detach().to(torch::kCPU, torch::kFloat32).contiguous());
    }
  }
  out.commit();
}

MemberRecord read_member(const std::string& path) {
  const h5::File file = h5::File::open(path);
  MemberRecord r;
  MemberSpec& m = r.spec;
  m.id = string_attr(file, "id");
  r.status = string_attr(file, "status");
  m.objective = text_attr<ObjectiveKind>(file, "objective");
  m.beta = number_attr(file, "beta");
  m.gamma = number_attr(file, "gamma");
  m.capacity = number_attr(file, "capacity");
  m.lr = number_attr(file, "lr");
  m.seed = static_cast<int64_t>(number_attr(file, "seed"));
  r.steps = static_cast<int64_t>(number_attr(file, "steps"));
  r.steps_done = static_cast<int64_t>(number_attr(file, "steps_done"));
  r.batch_size = static_cast<int64_t>(number_attr(file, "batch_size"));
  r.final_recon = number_attr(file, "final_recon");
  r.final_kl = number_attr(file, "final_kl");
  r.final_loss = number_attr(file, "final_loss");
  const auto stored = [&](const std::string& attr) -> fields::AttrValue {
    if (!file.has_attr("/", attr)) return number_attr(file, attr);  // names the missing one
    try {
      const auto text = file.read_string_attr("/", attr);
      if (text.size() == 1) return text.front();
    } catch (const InputError&) {
      // a number
    }
    return number_attr(file, attr);
  };
  fields::read_attrs(r.data, stored, path);
  fields::read_attrs(r.model, stored, path);
  r.item_shape = parse_int_list(string_attr(file, "item_shape"), path + ": item_shape");
  if (file.has("/curves/step")) {
    r.curve_step = file.read("/curves/step", torch::kInt64);
    r.curve_recon = file.read("/curves/recon", torch::kFloat64);
    r.curve_kl = file.read("/curves/kl", torch::kFloat64);
    r.curve_loss = file.read("/curves/loss", torch::kFloat64);
  }
  if (r.status != "finished" && r.status != "failed") {
    throw InputError(path + ": attribute 'status' is '" + r.status +
                     "', expected 'finished' or 'failed'");
  }
  return r;
}

std::map<std::string, torch::Tensor> read_member_weights(const std::string& path) {
  const h5::File file = h5::File::open(path);
  if (!file.is_group("/weights")) throw InputError(file.where("/weights") + " is missing");
  std::map<std::string, torch::Tensor> weights;
  for (const auto& name : file.list("/weights")) {
    weights[name] = file.read("/weights/" + name, torch::kFloat32);
  }
  return weights;
}

std::vector<std::string> list_member_files(const std::string& ensemble_dir) {
  const fs::path members = fs::path(ensemble_dir) / "members";
  if (!fs::is_directory(ensemble_dir)) {
    throw InputError(ensemble_dir + ": no such ensemble folder");
  }
  if (!fs::is_directory(members)) {
    throw InputError(members.string() +
                     ": no such folder; has infofrag train finished any member here?");
  }
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(members)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".h5") {
      ids.push_back(entry.path().stem().string());
    }
  }
  std::sort(ids.begin(), ids.end(), natural_less);
  std::vector<std::string> paths;
  for (const auto& id : ids) paths.push_back((members / (id + ".h5")).string());
  return paths;
}

models::BatchedVae load_members(const std::vector<MemberRecord>& records,
                                const std::vector<std::string>& paths,
                                const torch::Device& device) {
  TORCH_CHECK(!records.empty() && records.size() == paths.size(), "load_members: bad arguments");
  const MemberRecord& first = records.front();
  for (size_t k = 1; k < records.size(); ++k) {
    const MemberRecord& r = records[k];
    if (r.model.kind != first.model.kind || r.model.latents != first.model.latents ||
        r.model.widths != first.model.widths || r.model.activation != first.model.activation ||
        r.item_shape != first.item_shape) {
      throw InputError(paths[k] + ": its model differs from that of " + paths.front() +
                       "; members loaded together must share one architecture");
    }
  }
  const auto spec = models::resolve_model(first.model, first.item_shape);
  models::BatchedVae model(spec, static_cast<int64_t>(records.size()));
  for (size_t k = 0; k < records.size(); ++k) {
    const auto weights = read_member_weights(paths[k]);
    const auto expected = model->member_parameters(static_cast<int64_t>(k));
    for (const auto& [name, value] : expected) {
      const auto found = weights.find(name);
      if (found == weights.end()) {
        throw InputError(paths[k] + ": /weights/" + name + " is missing");
      }
      if (!found->second.sizes().equals(value.sizes())) {
        throw InputError(paths[k] + ": /weights/" + name + " has shape " +
                         shape_string(found->second.sizes().vec()) + ", expected " +
                         shape_string(value.sizes().vec()));
      }
    }
    model->load_member(static_cast<int64_t>(k), weights);
  }
  model->to(device);
  return model;
}

}  // namespace infofrag::train
