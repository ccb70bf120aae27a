#include "infofrag/metrics/intervention.hpp"

#include "liblinear.hpp"

#include <cmath>
#include <vector>

namespace infofrag::metrics {

namespace {

/// `count` rows of factor classes drawn uniformly and independently: int64 [count, F].
torch::Tensor sample_factors(const std::vector<int64_t>& classes, int64_t count,
                             torch::Generator& gen) {
  std::vector<torch::Tensor> columns;
  for (const int64_t c : classes) columns.push_back(torch::randint(c, {count}, gen, torch::kInt64));
  return torch::stack(columns, 1);
}

torch::Tensor represent(const FactorGenerator& g, const torch::Tensor& factors) {
  const torch::Tensor z = g.represent(factors).to(torch::kFloat64);
  TORCH_CHECK(z.dim() == 2 && z.size(0) == factors.size(0),
              "FactorGenerator::represent must return [B, d] for B rows of factors");
  return z;
}

/// BetaVAE points: features float64 [count, d] and labels (the fixed factor).
std::pair<torch::Tensor, std::vector<int64_t>> beta_vae_points(const FactorGenerator& g,
                                                               const InterventionOptions& o,
                                                               int64_t count,
                                                               torch::Generator& gen) {
  const int64_t f = static_cast<int64_t>(g.classes.size());
  std::vector<torch::Tensor> features;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t k = torch::randint(f, {1}, gen, torch::kInt64).item<int64_t>();
    const torch::Tensor a = sample_factors(g.classes, o.batch_size, gen);
    torch::Tensor b = sample_factors(g.classes, o.batch_size, gen);
    b.select(1, k).copy_(a.select(1, k));
    features.push_back((represent(g, a) - represent(g, b)).abs().mean(0));
    labels.push_back(k);
  }
  return {torch::stack(features).contiguous(), labels};
}

/// FactorVAE votes [F, d]: votes[k, j] counts batches with factor k fixed whose least
/// relatively varying active code was j.
torch::Tensor factor_vae_votes(const FactorGenerator& g, const InterventionOptions& o,
                               int64_t count, const torch::Tensor& global_variances,
                               const torch::Tensor& active, torch::Generator& gen) {
  const int64_t f = static_cast<int64_t>(g.classes.size());
  const torch::Tensor active_index = active.nonzero().reshape({-1});
  torch::Tensor votes = torch::zeros({f, global_variances.size(0)}, torch::kInt64);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t k = torch::randint(f, {1}, gen, torch::kInt64).item<int64_t>();
    torch::Tensor factors = sample_factors(g.classes, o.batch_size, gen);
    factors.select(1, k).fill_(factors[0][k].item<int64_t>());
    const torch::Tensor local = represent(g, factors).var(0, /*unbiased=*/true);
    const torch::Tensor ratio =
        local.index_select(0, active_index) / global_variances.index_select(0, active_index);
    // The argmin among the active codes, counted at the code itself (only active codes receive
    // votes). disentanglement_lib counts it at its position in the active list instead: a
    // one-to-one relabelling of columns, so the majority vote's accuracy is the same
    // (tests/python/test_intervention.py counts as disentanglement_lib does).
    const int64_t j = active_index[ratio.argmin().item<int64_t>()].item<int64_t>();
    votes[k][j] += 1;
  }
  return votes;
}

}  // namespace

InterventionScore beta_vae_score(const FactorGenerator& g, const InterventionOptions& o) {
  TORCH_CHECK(g.classes.size() >= 2, "beta_vae_score: needs two factors or more");
  auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  torch::NoGradGuard no_grad;
  const auto [train, train_labels] = beta_vae_points(g, o, o.train_points, gen);
  const auto [eval, eval_labels] = beta_vae_points(g, o, o.eval_points, gen);
  const detail::Liblinear model(train, train_labels, L2R_LR, /*c=*/1.0);
  const auto accuracy = [&](const torch::Tensor& x, const std::vector<int64_t>& y) {
    return (model.predict(x) == torch::tensor(y, torch::kInt64))
        .to(torch::kFloat64)
        .mean()
        .item<double>();
  };
  return {accuracy(train, train_labels), accuracy(eval, eval_labels), train.size(1)};
}

InterventionScore factor_vae_score(const FactorGenerator& g, const InterventionOptions& o) {
  TORCH_CHECK(g.classes.size() >= 2, "factor_vae_score: needs two factors or more");
  auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  torch::NoGradGuard no_grad;
  const torch::Tensor global =
      represent(g, sample_factors(g.classes, o.variance_points, gen)).var(0, /*unbiased=*/true);
  const torch::Tensor active = global.sqrt() >= o.prune_threshold;
  InterventionScore out;
  out.active_dims = active.sum().item<int64_t>();
  if (out.active_dims == 0) return out;
  const torch::Tensor train = factor_vae_votes(g, o, o.train_points, global, active, gen);
  const torch::Tensor eval = factor_vae_votes(g, o, o.eval_points, global, active, gen);
  const torch::Tensor classifier = train.argmax(0);  // [d]: each code's factor
  const auto accuracy = [&](const torch::Tensor& votes) {
    const torch::Tensor right = votes.gather(0, classifier.unsqueeze(0)).sum();
    return right.item<double>() / static_cast<double>(votes.sum().item<int64_t>());
  };
  out.train_accuracy = accuracy(train);
  out.eval_accuracy = accuracy(eval);
  return out;
}

}  // namespace infofrag::metrics
