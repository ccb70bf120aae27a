#include "infofrag/info/channel_set.hpp"

#include "infofrag/info/fingerprint.hpp"

namespace infofrag {

double tiny_coefficient(torch::Dtype dtype) { return dtype == torch::kFloat64 ? 1e-150 : 1e-18; }

namespace {

void check_posteriors(const torch::Tensor& mu, const torch::Tensor& logvar) {
  TORCH_CHECK(mu.dim() == 2 && mu.sizes() == logvar.sizes(),
              "ChannelSet: mu and logvar must both be [N, M]");
  TORCH_CHECK(mu.is_floating_point() && mu.scalar_type() == logvar.scalar_type(),
              "ChannelSet: mu and logvar must share one floating dtype");
}

/// Rows [begin, end) of an [N, M] tensor as [T, M, 1], and all rows as [1, M, N].
torch::Tensor row_view(const torch::Tensor& t, int64_t begin, int64_t end) {
  return t.slice(0, begin, end).unsqueeze(2);
}
torch::Tensor all_view(const torch::Tensor& t) { return t.t().unsqueeze(0); }

torch::Tensor flush_tiny_(torch::Tensor coefficients) {
  const double tiny = tiny_coefficient(coefficients.scalar_type());
  return torch::threshold_(coefficients, tiny, 0.0);
}

}  // namespace

ChannelSet ChannelSet::gaussian(const torch::Tensor& mu, const torch::Tensor& logvar) {
  check_posteriors(mu, logvar);
  ChannelSet set;
  Part part{Kind::kGaussian, mu.size(1), {}, {}, {}, coefficient_terms(mu, logvar), {}, {}};
  set.parts_.push_back(std::move(part));
  set.points_ = mu.size(0);
  set.options_ = mu.options();
  return set;
}

ChannelSet ChannelSet::gaussian_groups(const torch::Tensor& mu, const torch::Tensor& logvar,
                                       const torch::Tensor& group) {
  check_posteriors(mu, logvar);
  TORCH_CHECK(group.dim() == 1 && group.size(0) == mu.size(1) &&
                  group.scalar_type() == torch::kInt64,
              "ChannelSet: group must be int64 [M]");
  ChannelSet set;
  set.points_ = mu.size(0);
  set.options_ = mu.options();
  set.parts_.push_back(Part{Kind::kGroups, 0, mu.contiguous(), {}, {}, {}, {}, {}});
  Part& part = set.parts_.front();
  part.logvar = logvar.clamp(kLogvarMin, kLogvarMax).contiguous();
  part.var = part.logvar.exp();
  part.group = group.to(mu.device());
  part.size = group.numel() ? group.max().item<int64_t>() + 1 : 0;
  TORCH_CHECK(torch::bincount(group.cpu(), {}, part.size).gt(0).all().item<bool>(),
              "ChannelSet: every group needs at least one column");
  return set;
}

ChannelSet ChannelSet::factors(const torch::Tensor& labels, const torch::TensorOptions& options) {
  TORCH_CHECK(labels.dim() == 2, "ChannelSet: labels must be [N, F]");
  ChannelSet set;
  Part part{Kind::kFactors, labels.size(1), {}, {}, {}, {}, {}, {}};
  part.labels = labels.to(options.device(), torch::kInt64).contiguous();
  set.parts_.push_back(std::move(part));
  set.points_ = labels.size(0);
  set.options_ = options;
  return set;
}

ChannelSet& ChannelSet::append(const ChannelSet& other) {
  TORCH_CHECK(other.points_ == points_, "ChannelSet::append: different numbers of points");
  TORCH_CHECK(other.options_.dtype() == options_.dtype() &&
                  other.options_.device() == options_.device(),
              "ChannelSet::append: different dtype or device");
  parts_.insert(parts_.end(), other.parts_.begin(), other.parts_.end());
  return *this;
}

int64_t ChannelSet::size() const {
  int64_t total = 0;
  for (const Part& p : parts_) total += p.size;
  return total;
}

int64_t ChannelSet::points() const { return points_; }

torch::TensorOptions ChannelSet::options() const { return options_; }

int64_t ChannelSet::work_elements_per_row() const {
  // Gaussian kinds hold about five [M', N] temporaries per row while computing D.
  int64_t total = 0;
  for (const Part& p : parts_) {
    const bool factors = p.kind == Kind::kFactors;
    const int64_t width = p.kind == Kind::kGroups ? p.mu.size(1) : p.size;
    total += (factors ? 2 : 4) * width * points_;
  }
  return total;
}

torch::Tensor ChannelSet::part_rows(const Part& part, int64_t begin, int64_t end) const {
  switch (part.kind) {
    case Kind::kGaussian: {
      const CoefficientTerms& t = part.terms;
      const CoefficientTerms rows{row_view(t.scaled_mu, begin, end),
                                  row_view(t.half_var, begin, end), row_view(t.sd, begin, end)};
      const CoefficientTerms all{all_view(t.scaled_mu), all_view(t.half_var), all_view(t.sd)};
      return flush_tiny_(bhattacharyya_coefficient(rows, all));  // [T, M, N]
    }
    case Kind::kGroups: {
      // A group's D is the sum of its columns' D, so sum distances, then exponentiate.
      const torch::Tensor distance = bhattacharyya_with_var(
          row_view(part.mu, begin, end), row_view(part.logvar, begin, end),
          row_view(part.var, begin, end), all_view(part.mu), all_view(part.logvar),
          all_view(part.var));  // [T, M', N]
      return flush_tiny_(torch::zeros({end - begin, part.size, points_}, distance.options())
                             .index_add_(1, part.group, distance)
                             .neg_()
                             .exp_());
    }
    case Kind::kFactors: {
      const torch::Tensor rows = part.labels.slice(0, begin, end).unsqueeze(2);  // [T, F, 1]
      return rows.eq(part.labels.t().unsqueeze(0)).to(options_.dtype());        // [T, F, N]
    }
  }
  TORCH_CHECK(false, "ChannelSet: unknown kind");
}

torch::Tensor ChannelSet::coefficient_rows(int64_t begin, int64_t end) const {
  TORCH_CHECK(0 <= begin && begin < end && end <= points_, "ChannelSet: bad rows");
  if (parts_.size() == 1) return part_rows(parts_.front(), begin, end);
  std::vector<torch::Tensor> pieces;
  for (const Part& p : parts_) pieces.push_back(part_rows(p, begin, end));
  return torch::cat(pieces, /*dim=*/1);
}

}  // namespace infofrag
