#include "infofrag/info/channel_set.hpp"

#include "coefficient_kernel.hpp"

namespace infofrag {

double tiny_coefficient(torch::Dtype dtype) { return dtype == torch::kFloat64 ? 1e-150 : 1e-18; }

namespace {

torch::Tensor flush_tiny_(torch::Tensor coefficients) {
  const double tiny = tiny_coefficient(coefficients.scalar_type());
  return torch::threshold_(coefficients, tiny, 0.0);
}

CoefficientTerms transposed(const CoefficientTerms& t) {
  return {t.mu.t().contiguous(), t.half_var.t().contiguous(), t.sd.t().contiguous()};
}

/// Groups of equal width that tile the columns in order: their width, else 0.
int64_t uniform_width(const std::vector<ChannelSet::Group>& groups, int64_t columns) {
  if (groups.empty()) return 0;
  const int64_t width = groups.front().second - groups.front().first;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].first != static_cast<int64_t>(g) * width ||
        groups[g].second != groups[g].first + width) {
      return 0;
    }
  }
  return width * static_cast<int64_t>(groups.size()) == columns ? width : 0;
}

}  // namespace

ChannelSet ChannelSet::gaussian(const torch::Tensor& mu, const torch::Tensor& logvar,
                                const std::vector<Group>& groups) {
  TORCH_CHECK(mu.dim() == 2 && mu.sizes() == logvar.sizes(),
              "ChannelSet: mu and logvar must both be [N, M]");
  TORCH_CHECK(mu.is_floating_point() && mu.scalar_type() == logvar.scalar_type(),
              "ChannelSet: mu and logvar must share one floating dtype");
  for (const Group& g : groups) {
    TORCH_CHECK(0 <= g.first && g.first < g.second && g.second <= mu.size(1), "ChannelSet: group [",
                g.first, ", ", g.second, ") is not a column range");
  }
  Part part;
  part.kind = Kind::kGaussian;
  part.columns = mu.size(1);
  part.rows = coefficient_terms(mu, logvar);
  part.all = transposed(part.rows);
  part.groups = groups;
  part.uniform_width = uniform_width(groups, part.columns);
  ChannelSet set;
  set.parts_.push_back(std::move(part));
  set.points_ = mu.size(0);
  set.options_ = mu.options();
  return set;
}

ChannelSet ChannelSet::factors(const torch::Tensor& labels, const torch::TensorOptions& options) {
  TORCH_CHECK(labels.dim() == 2, "ChannelSet: labels must be [N, F]");
  Part part;
  part.kind = Kind::kFactors;
  part.columns = labels.size(1);
  part.labels = labels.to(options.device(), torch::kInt64).contiguous();
  part.labels_t = part.labels.t().contiguous();
  ChannelSet set;
  set.parts_.push_back(std::move(part));
  set.points_ = labels.size(0);
  set.options_ = options;
  return set;
}

ChannelSet& ChannelSet::append(const ChannelSet& other) {
  TORCH_CHECK(other.points_ == points_, "ChannelSet::append: different numbers of points");
  TORCH_CHECK(
      other.options_.dtype() == options_.dtype() && other.options_.device() == options_.device(),
      "ChannelSet::append: different dtype or device");
  parts_.insert(parts_.end(), other.parts_.begin(), other.parts_.end());
  return *this;
}

int64_t ChannelSet::size() const {
  int64_t total = 0;
  for (const Part& p : parts_) total += p.channels();
  return total;
}

int64_t ChannelSet::points() const { return points_; }

torch::TensorOptions ChannelSet::options() const { return options_; }

int64_t ChannelSet::work_elements_per_row() const {
  // Gaussian columns hold about four [M, N] temporaries per row while computing BC.
  int64_t total = 0;
  for (const Part& p : parts_) {
    const int64_t width =
        p.kind == Kind::kFactors ? 2 * p.columns : 4 * p.columns + 2 * p.groups.size();
    total += width * points_;
  }
  return total;
}

void ChannelSet::part_rows(const Part& part, int64_t begin, int64_t end,
                           const torch::Tensor& out) const {
  switch (part.kind) {
    case Kind::kGaussian: {
      torch::Tensor columns = out.narrow(1, 0, part.columns);  // [T, M, N]
      if (options_.device().is_cpu()) {
        const double tiny = tiny_coefficient(options_.dtype().toScalarType());
        detail::coefficient_rows_cpu(part.rows, part.all, begin, end, tiny, columns);
      } else {
        auto rows = [&](const torch::Tensor& t) { return t.slice(0, begin, end).unsqueeze(2); };
        const CoefficientTerms row_terms{rows(part.rows.mu), rows(part.rows.half_var),
                                         rows(part.rows.sd)};
        const CoefficientTerms all_terms{part.all.mu.unsqueeze(0), part.all.half_var.unsqueeze(0),
                                         part.all.sd.unsqueeze(0)};
        columns.copy_(flush_tiny_(bhattacharyya_coefficient(row_terms, all_terms)));
      }
      if (part.groups.empty()) return;
      // A group's D is the sum of its columns' D, so its BC is the product of theirs.
      torch::Tensor groups = out.narrow(1, part.columns, static_cast<int64_t>(part.groups.size()));
      if (part.uniform_width > 0) {
        torch::prod_out(groups, columns.view({end - begin, -1, part.uniform_width, points_}), 2);
      } else {
        for (size_t g = 0; g < part.groups.size(); ++g) {
          const Group& range = part.groups[g];
          torch::Tensor target = groups.select(1, static_cast<int64_t>(g));
          torch::prod_out(target, columns.narrow(1, range.first, range.second - range.first), 1);
        }
      }
      flush_tiny_(groups);
      return;
    }
    case Kind::kFactors: {
      const torch::Tensor rows = part.labels.slice(0, begin, end).unsqueeze(2);  // [T, F, 1]
      out.copy_(rows.eq(part.labels_t.unsqueeze(0)));                            // [T, F, N]
      return;
    }
  }
  TORCH_CHECK(false, "ChannelSet: unknown kind");
}

torch::Tensor ChannelSet::coefficient_rows(int64_t begin, int64_t end) const {
  torch::Tensor out = torch::empty({end - begin, size(), points_}, options_);
  coefficient_rows(begin, end, out);
  return out;
}

void ChannelSet::coefficient_rows(int64_t begin, int64_t end, torch::Tensor& out) const {
  TORCH_CHECK(0 <= begin && begin < end && end <= points_, "ChannelSet: bad rows");
  TORCH_CHECK(out.dim() == 3 && out.size(0) == end - begin && out.size(1) == size() &&
                  out.size(2) == points_ && out.stride(2) == 1,
              "ChannelSet: out must be [T, M, N] with a contiguous last dimension");
  int64_t offset = 0;
  for (const Part& p : parts_) {
    part_rows(p, begin, end, out.narrow(1, offset, p.channels()));
    offset += p.channels();
  }
}

}  // namespace infofrag
