#include "infofrag/info/channel_set.hpp"

#include "infofrag/info/fingerprint.hpp"

namespace infofrag {

namespace {

void check_posteriors(const torch::Tensor& mu, const torch::Tensor& logvar) {
  TORCH_CHECK(mu.dim() == 2 && mu.sizes() == logvar.sizes(),
              "ChannelSet: mu and logvar must both be [N, M]");
  TORCH_CHECK(mu.is_floating_point() && mu.scalar_type() == logvar.scalar_type(),
              "ChannelSet: mu and logvar must share one floating dtype");
}

}  // namespace

ChannelSet ChannelSet::gaussian(const torch::Tensor& mu, const torch::Tensor& logvar) {
  check_posteriors(mu, logvar);
  ChannelSet set;
  Part part{Kind::kGaussian, mu.size(1), mu.contiguous(), {}, {}, {}, {}};
  part.logvar = logvar.clamp(kLogvarMin, kLogvarMax).contiguous();
  part.var = part.logvar.exp();
  set.parts_.push_back(std::move(part));
  set.points_ = mu.size(0);
  set.options_ = mu.options();
  return set;
}

ChannelSet ChannelSet::gaussian_groups(const torch::Tensor& mu, const torch::Tensor& logvar,
                                       const torch::Tensor& group) {
  ChannelSet set = gaussian(mu, logvar);
  TORCH_CHECK(group.dim() == 1 && group.size(0) == mu.size(1) &&
                  group.scalar_type() == torch::kInt64,
              "ChannelSet: group must be int64 [M]");
  Part& part = set.parts_.front();
  part.kind = Kind::kGroups;
  part.group = group.to(mu.device());
  part.size = group.numel() ? group.max().item<int64_t>() + 1 : 0;
  TORCH_CHECK(torch::bincount(group.cpu(), {}, part.size).gt(0).all().item<bool>(),
              "ChannelSet: every group needs at least one column");
  return set;
}

ChannelSet ChannelSet::factors(const torch::Tensor& labels, const torch::TensorOptions& options) {
  TORCH_CHECK(labels.dim() == 2, "ChannelSet: labels must be [N, F]");
  ChannelSet set;
  Part part{Kind::kFactors, labels.size(1), {}, {}, {}, {}, {}};
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
    total += (factors ? 2 : 5) * (factors ? p.size : p.mu.size(1)) * points_;
  }
  return total;
}

torch::Tensor ChannelSet::part_rows(const Part& part, int64_t begin, int64_t end) const {
  switch (part.kind) {
    case Kind::kGaussian:
    case Kind::kGroups: {
      auto rows = [&](const torch::Tensor& t) { return t.slice(0, begin, end).unsqueeze(2); };
      auto all = [](const torch::Tensor& t) { return t.t().unsqueeze(0); };
      torch::Tensor distance =
          bhattacharyya_with_var(rows(part.mu), rows(part.logvar), rows(part.var),
                                 all(part.mu), all(part.logvar), all(part.var));  // [T, M', N]
      if (part.kind == Kind::kGroups) {
        distance = torch::zeros({end - begin, part.size, points_}, distance.options())
                       .index_add_(1, part.group, distance);
      }
      return distance.neg_().exp_();
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
