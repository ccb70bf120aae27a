#include "infofrag/analyze/summary.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "infofrag/analyze/analysis_file.hpp"
#include "infofrag/core/error.hpp"

namespace infofrag {

void validate(const SummarizeConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
  fields::check_files(config, "--");
}

AnalysisSummary summarize_analysis(const SummarizeConfig& config) {
  validate(config);
  AnalysisParts parts;
  parts.similarity = true;
  const AnalysisContents a = read_analysis(config.analysis, parts);
  const std::vector<std::string>& member = a.channel_member;
  const torch::Tensor& info = a.info_bits;
  const int64_t m = a.channels();

  AnalysisSummary s;
  s.path = config.analysis;
  s.members = static_cast<int64_t>(std::set<std::string>(member.begin(), member.end()).size());
  s.channels = m;
  s.fingerprint_size = a.fingerprint_size;
  s.min_info_bits = config.min_info_bits;
  s.informative = info.ge(config.min_info_bits).sum().item<int64_t>();
  s.total_info_bits = info.sum().item<double>();

  double sum = 0;
  int64_t count = 0;
  const auto info_a = info.accessor<double, 1>();
  const auto nmi_a = a.nmi.accessor<double, 2>();
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = i + 1; j < m; ++j) {
      if (info_a[i] >= config.min_info_bits && info_a[j] >= config.min_info_bits &&
          member[static_cast<size_t>(i)] != member[static_cast<size_t>(j)]) {
        sum += nmi_a[i][j];
        ++count;
      }
    }
  }
  s.mean_nmi_between_members = count > 0 ? sum / static_cast<double>(count) : NAN;

  const bool labels = !a.factor_names.empty();
  const torch::Tensor order = info.argsort(/*dim=*/0, /*descending=*/true);
  for (int64_t r = 0; r < std::min(config.top, m); ++r) {
    const int64_t c = order[r].item<int64_t>();
    SummaryChannel channel;
    channel.member = member[static_cast<size_t>(c)];
    channel.dim = a.channel_dim[c].item<int64_t>();
    channel.info_bits = info_a[c];
    if (labels) {
      const int64_t best = a.label_nmi[c].argmax().item<int64_t>();
      channel.best_factor = a.factor_names[static_cast<size_t>(best)];
      channel.best_factor_nmi = a.label_nmi[c][best].item<double>();
    }
    s.top.push_back(std::move(channel));
  }
  for (size_t k = 0; labels && k < a.factor_names.size(); ++k) {
    const torch::Tensor column = a.label_nmi.select(1, static_cast<int64_t>(k));
    SummaryFactor f;
    f.name = a.factor_names[k];
    f.entropy_bits = a.factor_info_bits[static_cast<int64_t>(k)].item<double>();
    f.best_nmi = column.max().item<double>();
    f.channels_above_half = column.gt(0.5).sum().item<int64_t>();
    s.factors.push_back(std::move(f));
  }
  return s;
}

}  // namespace infofrag
