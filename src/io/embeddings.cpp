#include "infofrag/io/embeddings.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"
#include "infofrag/io/atomic_file.hpp"

namespace infofrag {

namespace {

/// Throws when `values` holds NaN or inf, naming the first such element.
void check_finite(const torch::Tensor& values, const std::string& where) {
  const torch::Tensor flat = values.flatten();
  const torch::Tensor bad = torch::logical_not(torch::isfinite(flat));
  if (!bad.any().item<bool>()) return;
  int64_t rest = bad.nonzero()[0][0].item<int64_t>();
  const double value = flat[rest].item<double>();
  std::vector<int64_t> at(static_cast<size_t>(values.dim()));
  for (int64_t d = values.dim() - 1; d >= 0; --d) {
    at[static_cast<size_t>(d)] = rest % values.size(d);
    rest /= values.size(d);
  }
  throw InputError(where + " holds " + value_string(value) + " at " + shape_string(at) +
                   "; all values must be finite");
}

std::vector<int64_t> shape_of(const torch::Tensor& t) {
  return std::vector<int64_t>(t.sizes().begin(), t.sizes().end());
}

Member read_member(const h5::File& file, const std::string& id) {
  const std::string group = "/members/" + id;
  if (!file.is_group(group)) {
    throw InputError(file.where(group) +
                     " is not a group; each member must be a group "
                     "holding mu and logvar");
  }
  Member member;
  member.id = id;
  for (const char* name : {"mu", "logvar"}) {
    const std::string path = group + "/" + name;
    if (!file.has(path)) throw InputError(file.where(path) + " is missing");
    const h5::DatasetInfo info = file.info(path);
    if (info.shape.size() != 2) {
      throw InputError(file.where(path) + " must be 2-D [N, d], has shape " +
                       shape_string(info.shape));
    }
    if (info.shape[0] == 0) {
      throw InputError(file.where(path) + " has no fingerprint points (shape " +
                       shape_string(info.shape) + ")");
    }
    if (info.shape[1] == 0) {
      throw InputError(file.where(path) + " has no latent dimensions (shape " +
                       shape_string(info.shape) + ")");
    }
    torch::Tensor values = file.read(path, torch::kFloat64);
    check_finite(values, file.where(path));
    (std::string(name) == "mu" ? member.mu : member.logvar) = values;
  }
  if (!member.mu.sizes().equals(member.logvar.sizes())) {
    throw InputError(file.where(group + "/mu") + " has shape " + shape_string(shape_of(member.mu)) +
                     " but " + group + "/logvar has " + shape_string(shape_of(member.logvar)));
  }
  for (const std::string& attr : file.attr_names(group)) {
    if (file.is_number_attr(group, attr)) member.attrs[attr] = file.read_number_attr(group, attr);
  }
  return member;
}

}  // namespace

std::vector<int64_t> select_members(const Embeddings& embeddings,
                                    const std::vector<std::string>& ids, const std::string& option,
                                    const std::string& file) {
  std::vector<int64_t> out;
  const auto k = static_cast<int64_t>(embeddings.members.size());
  if (ids.empty()) {
    for (int64_t i = 0; i < k; ++i) out.push_back(i);
    return out;
  }
  std::string list, known;
  for (const std::string& id : ids) list += (list.empty() ? "" : ",") + id;
  for (const Member& m : embeddings.members) known += (known.empty() ? "" : ", ") + m.id;
  for (const std::string& id : ids) {
    if (id.empty()) throw ConfigError(option + " '" + list + "' has an empty entry");
    int64_t found = -1;
    for (int64_t i = 0; i < k; ++i) {
      if (embeddings.members[static_cast<size_t>(i)].id == id) found = i;
    }
    if (found < 0) {
      throw ConfigError(option + ": no member '" + id + "' in " +
                        (file.empty() ? std::string("the embeddings") : file) +
                        " (members: " + known + ")");
    }
    if (std::find(out.begin(), out.end(), found) != out.end()) {
      throw ConfigError(option + " '" + list + "' names '" + id + "' twice");
    }
    out.push_back(found);
  }
  return out;
}

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i_end = i, j_end = j;
      while (i_end < a.size() && std::isdigit(static_cast<unsigned char>(a[i_end]))) ++i_end;
      while (j_end < b.size() && std::isdigit(static_cast<unsigned char>(b[j_end]))) ++j_end;
      std::string x = a.substr(i, i_end - i), y = b.substr(j, j_end - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;
}

int64_t Embeddings::channels() const {
  int64_t total = 0;
  for (const Member& m : members) total += m.mu.size(1);
  return total;
}

Embeddings Embeddings::first_points(int64_t count) const {
  TORCH_CHECK(count >= 1 && count <= points(), "first_points: count out of range");
  Embeddings out = *this;
  for (Member& m : out.members) {
    m.mu = m.mu.slice(0, 0, count);
    m.logvar = m.logvar.slice(0, 0, count);
  }
  if (index.defined()) out.index = index.slice(0, 0, count);
  if (labels.defined()) out.labels = labels.slice(0, 0, count);
  return out;
}

Embeddings read_embeddings(const std::string& path) {
  const h5::File file = h5::File::open(path);
  if (!file.is_group("/members")) {
    throw InputError(path +
                     ": group /members is missing; an embeddings file holds "
                     "/members/<id>/mu and /members/<id>/logvar");
  }
  std::vector<std::string> ids = file.list("/members");
  if (ids.empty()) throw InputError(path + ": /members holds no members");
  std::sort(ids.begin(), ids.end(), natural_less);

  Embeddings out;
  for (const std::string& id : ids) {
    out.members.push_back(read_member(file, id));
    const Member& first = out.members.front();
    const Member& last = out.members.back();
    if (last.mu.size(0) != first.mu.size(0)) {
      throw InputError(file.where("/members/" + last.id + "/mu") + " has " +
                       std::to_string(last.mu.size(0)) + " points but /members/" + first.id +
                       "/mu has " + std::to_string(first.mu.size(0)) +
                       "; all members must share the same fingerprint points");
    }
  }
  const int64_t n = out.points();

  if (file.has("/fingerprint/index")) {
    out.index = file.read("/fingerprint/index", torch::kInt64);
    if (out.index.dim() != 1 || out.index.size(0) != n) {
      throw InputError(file.where("/fingerprint/index") + " has shape " +
                       shape_string(shape_of(out.index)) + " but the members have " +
                       std::to_string(n) + " points; expected [" + std::to_string(n) + "]");
    }
    if (n > 0 && out.index.min().item<int64_t>() < 0) {
      throw InputError(file.where("/fingerprint/index") + " holds " +
                       std::to_string(out.index.min().item<int64_t>()) +
                       "; dataset rows are numbered from 0");
    }
  }
  if (file.has("/fingerprint/labels")) {
    const std::string where = file.where("/fingerprint/labels");
    out.labels = file.read("/fingerprint/labels", torch::kInt64);
    if (out.labels.dim() == 1) out.labels = out.labels.unsqueeze(1);
    if (out.labels.dim() != 2 || out.labels.size(0) != n) {
      throw InputError(where + " has shape " + shape_string(shape_of(out.labels)) +
                       " but the members have " + std::to_string(n) + " points; expected [" +
                       std::to_string(n) + ", F]");
    }
    const int64_t f = out.labels.size(1);
    if (file.has_attr("/fingerprint/labels", "factor_names")) {
      out.factor_names = file.read_string_attr("/fingerprint/labels", "factor_names");
      if (static_cast<int64_t>(out.factor_names.size()) != f) {
        throw InputError(where + " attribute factor_names has " +
                         std::to_string(out.factor_names.size()) + " names but the labels have " +
                         std::to_string(f) + " factors");
      }
      for (size_t k = 0; k < out.factor_names.size(); ++k) {
        const std::string& name = out.factor_names[k];
        if (name.empty()) {
          throw InputError(where + " attribute factor_names: name " + std::to_string(k) +
                           " is empty");
        }
        if (std::find(out.factor_names.begin(), out.factor_names.begin() + k, name) !=
            out.factor_names.begin() + k) {
          throw InputError(where + " attribute factor_names names '" + name +
                           "' twice; factor names must differ");
        }
      }
    } else {
      for (int64_t k = 0; k < f; ++k) out.factor_names.push_back("factor_" + std::to_string(k));
    }
  }
  return out;
}

void write_embeddings(const std::string& path, const Embeddings& embeddings) {
  TORCH_CHECK(!embeddings.members.empty(), "write_embeddings: no members");
  AtomicFile output(path);
  {
    h5::File file = h5::File::create(output.temp_path());
    file.create_group("/members");
    for (const Member& m : embeddings.members) {
      const std::string group = "/members/" + m.id;
      file.write(group + "/mu", m.mu);
      file.write(group + "/logvar", m.logvar);
      for (const auto& [name, value] : m.attrs) file.set_attr(group, name, value);
    }
    if (embeddings.index.defined()) file.write("/fingerprint/index", embeddings.index);
    if (embeddings.labels.defined()) {
      file.write("/fingerprint/labels", embeddings.labels);
      file.set_attr("/fingerprint/labels", "factor_names", embeddings.factor_names);
    }
  }
  output.commit();
}

}  // namespace infofrag
