#include "support.hpp"
#include "support_train.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "infofrag/io/h5.hpp"

namespace infofrag::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "infofrag-test-XXXXXX").string();
  TORCH_CHECK(mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
  root_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

std::string TempDir::path(const std::string& name) const {
  return name.empty() ? root_ : (fs::path(root_) / name).string();
}

std::vector<std::string> TempDir::files() const {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(root_)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

int run_cli_with_env(const std::vector<std::string>& args, const std::string& name,
                     const std::string& value) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv = {const_cast<char*>(INFOFRAG_CLI)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(INFOFRAG_CLI, argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

CliRun run_cli(const std::vector<std::string>& args) {
  TempDir logs;
  std::string command = quote(INFOFRAG_CLI);
  for (const std::string& a : args) command += " " + quote(a);
  command += " >" + quote(logs.path("out")) + " 2>" + quote(logs.path("err")) + " </dev/null";
  const int status = std::system(command.c_str());
  CliRun run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_text(logs.path("out"));
  run.err = read_text(logs.path("err"));
  return run;
}

std::pair<torch::Tensor, torch::Tensor> hard_channel(const torch::Tensor& labels,
                                                     torch::Dtype dtype) {
  const torch::Tensor mu = (labels.to(dtype) * 10.0).unsqueeze(1);
  const torch::Tensor logvar = torch::full_like(mu, std::log(1e-6));
  return {mu, logvar};
}

double entropy_bits(const torch::Tensor& labels) {
  std::map<int64_t, double> counts;
  const auto a = labels.contiguous().to(torch::kInt64);
  for (int64_t i = 0; i < a.numel(); ++i) counts[a[i].item<int64_t>()] += 1;
  double h = 0;
  const double n = static_cast<double>(a.numel());
  for (const auto& [label, c] : counts) h -= c / n * std::log2(c / n);
  return h;
}

double mutual_info_bits(const torch::Tensor& a, const torch::Tensor& b) {
  std::map<std::pair<int64_t, int64_t>, double> joint;
  std::map<int64_t, double> pa, pb;
  const double n = static_cast<double>(a.numel());
  for (int64_t i = 0; i < a.numel(); ++i) {
    const int64_t x = a[i].item<int64_t>(), y = b[i].item<int64_t>();
    joint[{x, y}] += 1 / n;
    pa[x] += 1 / n;
    pb[y] += 1 / n;
  }
  double mi = 0;
  for (const auto& [xy, p] : joint) mi += p * std::log2(p / (pa[xy.first] * pb[xy.second]));
  return mi;
}

train::TrainConfig circle_mlp_sweep(const std::string& out) {
  train::TrainConfig c;
  c.data.dataset = data::DatasetKind::kCircle;
  c.model.kind = models::ModelKind::kMlp;
  c.model.latents = 2;
  c.model.widths = {32, 32};
  c.model.activation = models::Activation::kTanh;
  c.objective.beta = {0.03};
  c.seeds = 2;
  c.steps = 600;
  c.batch_size = 128;
  c.lr = {1e-3};
  c.curve_window = 50;
  c.device = DeviceChoice::cpu();
  c.progress = false;
  c.out = out;
  return c;
}

void write_shapes3d_grid(const std::string& path, const std::vector<int64_t>& sizes, int64_t drop,
                         bool repeat) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(5);
  const torch::Tensor order = torch::randperm(n, generator, torch::kInt64).slice(0, 0, n - drop);
  std::vector<torch::Tensor> columns(6);
  torch::Tensor rest = order.clone();
  for (int64_t j = 5; j >= 0; --j) {
    const torch::Tensor c = (rest % sizes[static_cast<size_t>(j)]).to(torch::kFloat64);
    rest = rest.div(sizes[static_cast<size_t>(j)], "floor");
    // Values as the public file holds them (here increasing with the class, as there).
    columns[static_cast<size_t>(j)] = j == 3 ? 0.75 + c * 0.1 : j == 5 ? -30 + c * 4.0 : c / 10;
  }
  torch::Tensor labels = torch::stack(columns, 1).contiguous();
  if (repeat) labels[labels.size(0) - 1] = labels[0];
  torch::Tensor images = torch::zeros({order.size(0), 64, 64, 3}, torch::kUInt8);
  images.select(3, 0).select(2, 0).select(1, 0).copy_(order % 256);
  auto file = infofrag::h5::File::create(path);
  file.write("/images", images);
  file.write("/labels", labels);
}

}  // namespace infofrag::test
