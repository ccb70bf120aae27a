#include "infofrag/ensemble/ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/core/lists.hpp"
#include "infofrag/core/text.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/embeddings.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/version.hpp"

namespace fs = std::filesystem;

namespace infofrag::ensemble {

namespace {

/// config.ini of a sweep is a few hundred bytes; anything this large is not one.
constexpr std::uintmax_t kMaxConfigBytes = 1 << 20;

std::string join(const std::vector<int64_t>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out;
}

std::string missing(const h5::File& file, const std::string& attr) {
  return file.path() + ": attribute '" + attr +
         "' is missing; is this a member file written by infofrag train?";
}

std::string string_attr(const h5::File& file, const std::string& attr) {
  if (!file.has_attr("/", attr)) throw InputError(missing(file, attr));
  if (file.is_number_attr("/", attr)) {
    throw InputError(file.path() + ": attribute '" + attr + "' is a number, expected a string");
  }
  const auto values = file.read_string_attr("/", attr);
  if (values.size() != 1)
    throw InputError(file.path() + ": attribute '" + attr + "' is not a single string");
  return values.front();
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

/// A finite numeric attribute.
double number_attr(const h5::File& file, const std::string& attr) {
  if (!file.has_attr("/", attr)) throw InputError(missing(file, attr));
  if (!file.is_number_attr("/", attr)) {
    throw InputError(file.path() + ": attribute '" + attr + "' is not a single number");
  }
  const double value = file.read_number_attr("/", attr);
  if (!std::isfinite(value)) {
    throw InputError(file.path() + ": attribute '" + attr + "' is " + value_string(value) +
                     ", expected a finite number");
  }
  return value;
}

/// A whole-number attribute >= `least`.
int64_t integer_attr(const h5::File& file, const std::string& attr, int64_t least) {
  const double value = number_attr(file, attr);
  if (value != std::floor(value) || value < static_cast<double>(least) || value > 9.0e18) {
    throw InputError(file.path() + ": attribute '" + attr + "' is " + value_string(value) +
                     ", expected a whole number >= " + std::to_string(least));
  }
  return static_cast<int64_t>(value);
}

/// A curve dataset: 1-D of `length` (the first curve's, or any when -1), finite.
torch::Tensor read_curve(const h5::File& file, const std::string& name, torch::Dtype dtype,
                         int64_t length) {
  if (!file.has(name)) {
    throw InputError(file.where(name) + " is missing, but /curves/step is there");
  }
  const h5::DatasetInfo info = file.info(name);
  if (info.shape.size() != 1 || (length >= 0 && info.shape[0] != length)) {
    throw InputError(file.where(name) + " has shape " + shape_string(info.shape) + ", expected [" +
                     (length >= 0 ? std::to_string(length) : "W") + "]");
  }
  return file.read(name, dtype);
}

/// The first NaN or infinity of `values`, as "nan at index 3", or "".
std::string first_non_finite(const torch::Tensor& values) {
  const torch::Tensor bad = torch::isfinite(values).logical_not().flatten().nonzero();
  if (bad.numel() == 0) return "";
  const int64_t i = bad[0][0].item<int64_t>();
  return value_string(values.flatten()[i].item<double>()) + " at flat index " + std::to_string(i);
}

torch::Tensor read_weight(const h5::File& file, const std::string& name) {
  const std::string path = "/weights/" + name;
  if (file.info(path).kind != h5::Kind::kFloat) {
    throw InputError(file.where(path) + " is not a float dataset");
  }
  torch::Tensor value = file.read(path, torch::kFloat32);
  const std::string bad = first_non_finite(value);
  if (!bad.empty()) throw InputError(file.where(path) + " holds " + bad);
  return value;
}

/// Checks that an INI file is text of "[section]", "key = value", comment and blank lines
/// (fields::parse_ini's grammar, which `infofrag train --config` reads).
void check_ini(const std::string& path) {
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  if (error) throw InputError(path + ": cannot read (" + error.message() + ")");
  if (size > kMaxConfigBytes) {
    throw InputError(path + ": " + std::to_string(size) +
                     " bytes; a sweep's config.ini is a small text file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      throw InputError(path + ": byte " + hex + " at offset " + std::to_string(i) +
                       "; not a text config file");
    }
  }
  fields::parse_ini(text, path);  // ConfigError naming the file and line otherwise
}

}  // namespace

std::string config_file(const std::string& ensemble_dir) {
  return (fs::path(ensemble_dir) / "config.ini").string();
}

std::string members_dir(const std::string& ensemble_dir) {
  return (fs::path(ensemble_dir) / "members").string();
}

std::string member_file(const std::string& ensemble_dir, const std::string& id) {
  return (fs::path(ensemble_dir) / "members" / (id + ".h5")).string();
}

std::string checkpoints_dir(const std::string& ensemble_dir) {
  return (fs::path(ensemble_dir) / "checkpoints").string();
}

std::string checkpoint_file(const std::string& ensemble_dir, int64_t pack) {
  return (fs::path(ensemble_dir) / "checkpoints" / ("pack_" + std::to_string(pack) + ".h5"))
      .string();
}

void check_ensemble_folder(const std::string& ensemble_dir) {
  if (!fs::is_directory(ensemble_dir)) {
    throw InputError(ensemble_dir + ": no such ensemble folder");
  }
  const fs::path members = members_dir(ensemble_dir);
  if (!fs::is_directory(members)) {
    throw InputError(members.string() +
                     ": no such folder; has infofrag train finished any member here?");
  }
  const std::string ini = config_file(ensemble_dir);
  if (fs::exists(ini)) {
    if (!fs::is_regular_file(ini)) throw InputError(ini + ": is not a file");
    check_ini(ini);
  }
}

void write_member(const std::string& path, const MemberRecord& r,
                  const std::map<std::string, torch::Tensor>& weights) {
  AtomicFile out(path);
  {
    h5::File file = h5::File::create(out.temp_path());
    const train::MemberSpec& m = r.spec;
    std::map<std::string, h5::AttrValue> attrs = {
        {"id", m.id},
        {"status", r.status},
        {"objective", fields::format(m.objective)},
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
    train::each_hyperparameter([&](const char* name, double value) { attrs[name] = value; }, m);
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
      for (const auto& [name, curve] : r.curve_terms) file.write("/curves/" + name, curve);
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
  train::MemberSpec& m = r.spec;
  m.id = string_attr(file, "id");
  r.status = string_attr(file, "status");
  if (r.status != "finished" && r.status != "failed") {
    throw InputError(path + ": attribute 'status' is '" + r.status +
                     "', expected 'finished' or 'failed'");
  }
  m.objective = text_attr<train::ObjectiveKind>(file, "objective");
  // A hyperparameter the member's family does not sweep holds 0, and files written before
  // it existed lack it.
  const auto uses = train::family_hyperparameters(m.objective);
  train::each_hyperparameter(
      [&](const char* name, double& value, bool used) {
        value = used || file.has_attr("/", name) ? number_attr(file, name) : 0.0;
      },
      m, uses);
  m.seed = static_cast<int64_t>(number_attr(file, "seed"));
  r.steps = integer_attr(file, "steps", 0);
  r.steps_done = integer_attr(file, "steps_done", 0);
  r.batch_size = integer_attr(file, "batch_size", 0);
  // Failed members record the NaN or infinity that stopped them.
  r.final_recon = file.read_number_attr("/", "final_recon");
  r.final_kl = file.read_number_attr("/", "final_kl");
  r.final_loss = file.read_number_attr("/", "final_loss");
  // [data] and [model] through their field tables: each attribute present, text where the
  // field is text (an enum, a list) and a finite number where it is a number, whole for
  // counts, and within the option's bounds.
  const auto stored = [&](const std::string& attr) -> fields::AttrValue {
    if (!file.has_attr("/", attr)) throw InputError(missing(file, attr));
    if (file.is_number_attr("/", attr)) return number_attr(file, attr);
    return string_attr(file, attr);
  };
  const auto present = [&](const std::string& attr) { return file.has_attr("/", attr); };
  fields::read_checked_attrs(r.data, stored, path, present);
  fields::read_checked_attrs(r.model, stored, path, present);
  const std::string shape = string_attr(file, "item_shape");
  r.item_shape = parse_int_list(shape, path + ": attribute 'item_shape'");
  const bool positive =
      std::all_of(r.item_shape.begin(), r.item_shape.end(), [](int64_t d) { return d >= 1; });
  if ((r.item_shape.size() != 1 && r.item_shape.size() != 3) || !positive) {
    throw InputError(path + ": attribute 'item_shape' is '" + shape +
                     "', expected C,H,W or D of positive sizes");
  }
  if (file.has("/curves/step")) {
    r.curve_step = read_curve(file, "/curves/step", torch::kInt64, -1);
    const int64_t w = r.curve_step.size(0);
    r.curve_recon = read_curve(file, "/curves/recon", torch::kFloat64, w);
    r.curve_kl = read_curve(file, "/curves/kl", torch::kFloat64, w);
    r.curve_loss = read_curve(file, "/curves/loss", torch::kFloat64, w);
    for (const auto& name : file.list("/curves")) {
      if (name == "step" || name == "recon" || name == "kl" || name == "loss") continue;
      r.curve_terms[name] = read_curve(file, "/curves/" + name, torch::kFloat64, w);
    }
  }
  return r;
}

std::map<std::string, torch::Tensor> read_member_weights(const std::string& path) {
  const h5::File file = h5::File::open(path);
  if (!file.is_group("/weights")) throw InputError(file.where("/weights") + " is missing");
  std::map<std::string, torch::Tensor> weights;
  for (const auto& name : file.list("/weights")) weights[name] = read_weight(file, name);
  return weights;
}

std::vector<std::string> list_member_files(const std::string& ensemble_dir) {
  check_ensemble_folder(ensemble_dir);
  const fs::path members = members_dir(ensemble_dir);
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(members)) {
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
    const h5::File file = h5::File::open(paths[k]);
    if (!file.is_group("/weights")) throw InputError(file.where("/weights") + " is missing");
    const auto expected = model->member_parameters(static_cast<int64_t>(k));
    std::map<std::string, torch::Tensor> weights;
    // Shapes are checked before reading, so a damaged file never allocates what it claims.
    for (const auto& [name, value] : expected) {
      const std::string where = "/weights/" + name;
      if (!file.has(where)) throw InputError(file.where(where) + " is missing");
      const std::vector<int64_t> shape = file.info(where).shape;
      if (shape != value.sizes().vec()) {
        throw InputError(file.where(where) + " has shape " + shape_string(shape) + ", expected " +
                         shape_string(value.sizes().vec()) + " for this member's model");
      }
      weights[name] = read_weight(file, name);
    }
    model->load_member(static_cast<int64_t>(k), weights);
  }
  model->to(device);
  return model;
}

}  // namespace infofrag::ensemble
