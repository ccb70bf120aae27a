// Test-only: infofrag's training objectives on a batch written by Python, so that
// tests/python/test_objectives.py can compare them with PyTorch eager code of its own.
// Usage: infofrag_objective_tool IN.h5 OUT.h5
//
// IN.h5: attributes on "/": kind (an objective name), step, capacity_steps, bernoulli (0/1);
//   datasets float32 /x, /decoded [K, B, *item], /mu, /logvar, /z [K, B, d]; /beta, /gamma,
//   /capacity, /lambda_od [K]; factor-vae also /shuffle int64 [K, B, d], the discriminator's
//   parameters /discriminator/params/dense_<i>_{weight,bias} ([K, in, out], [K, out]) and zero
//   moments /discriminator/adam_{m,v}/<same names>, and attributes width and depth.
// OUT.h5: float64 /losses/<term> [K] for every term (recon, kl, the family's, loss);
//   /grad/{mu,logvar,z,decoded}: gradients of the sum over members of loss; factor-vae also
//   /discriminator/<name>: its parameters after one step of its optimizer at `step`.
#include <cstdio>
#include <exception>
#include <string>

#include "infofrag/core/error.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/train/objective.hpp"

namespace {

using namespace infofrag;

int run(const std::string& in_path, const std::string& out_path) {
  const h5::File in = h5::File::open(in_path);
  train::ObjectiveParams params;
  params.kind = fields::parse<train::ObjectiveKind>(in.read_string_attr("/", "kind").at(0));
  params.capacity_steps = static_cast<int64_t>(in.read_number_attr("/", "capacity_steps"));
  train::each_hyperparameter(
      [&](const char* name, torch::Tensor& value) {
        const std::string path = std::string("/") + name;
        if (in.has(path)) value = in.read(path, torch::kFloat32);
      },
      params);
  train::StepBatch b;
  b.x = in.read("/x", torch::kFloat32);
  b.decoded = in.read("/decoded", torch::kFloat32).requires_grad_(true);
  b.q.mu = in.read("/mu", torch::kFloat32).requires_grad_(true);
  b.q.logvar = in.read("/logvar", torch::kFloat32).requires_grad_(true);
  b.z = in.read("/z", torch::kFloat32).requires_grad_(true);
  b.step = static_cast<int64_t>(in.read_number_attr("/", "step"));
  b.bernoulli = in.read_number_attr("/", "bernoulli") != 0;
  const int64_t k = b.z.size(0), d = b.z.size(2);
  std::vector<int64_t> seeds(static_cast<size_t>(k), 0);
  int64_t width = 1, depth = 0;
  if (params.kind == train::ObjectiveKind::kFactorVae) {
    b.shuffle = in.read("/shuffle", torch::kInt64);
    width = static_cast<int64_t>(in.read_number_attr("/", "width"));
    depth = static_cast<int64_t>(in.read_number_attr("/", "depth"));
  }
  train::Objective objective(params, d, seeds, torch::kCPU, width, depth);
  objective.load(in);

  const train::Losses losses = objective.losses(b);
  losses.loss.sum().backward();
  h5::File out = h5::File::create(out_path);
  const auto write = [&](const std::string& name, const torch::Tensor& t) {
    out.write(name, t.detach().to(torch::kFloat64).contiguous());
  };
  write("/losses/recon", losses.recon);
  write("/losses/kl", losses.kl);
  write("/losses/loss", losses.loss);
  for (const auto& [name, value] : losses.terms) write("/losses/" + name, value);
  // An input the loss does not read (z for most families) has no gradient: zeros.
  const auto grad = [](const torch::Tensor& t) {
    return t.grad().defined() ? t.grad() : torch::zeros_like(t);
  };
  write("/grad/mu", grad(b.q.mu));
  write("/grad/logvar", grad(b.q.logvar));
  write("/grad/z", grad(b.z));
  write("/grad/decoded", grad(b.decoded));
  if (params.kind == train::ObjectiveKind::kFactorVae) {
    objective.step_auxiliary(torch::ones({k}), b.step);
    const auto names = objective.discriminator()->parameter_names();
    const auto values = objective.discriminator()->ordered_parameters();
    for (size_t i = 0; i < names.size(); ++i) write("/discriminator/" + names[i], values[i]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: infofrag_objective_tool IN.h5 OUT.h5\n");
    return 2;
  }
  try {
    return run(argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infofrag_objective_tool: %s\n", e.what());
    return 1;
  }
}
