#include "infofrag/metrics/trained.hpp"

#include "liblinear.hpp"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace infofrag::metrics {

namespace {

using detail::classes_of;
using detail::Liblinear;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<int64_t> int_column(const torch::Tensor& y, int64_t f) {
  const torch::Tensor c = y.select(1, f).to(torch::kInt64).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

/// Mean one-vs-rest AUC over the classes that the model knows and `y` holds with both labels.
double mean_auc(const Liblinear& model, const torch::Tensor& x, const std::vector<int64_t>& y) {
  const torch::Tensor p = model.probabilities(x);
  const std::vector<int64_t> labels = model.labels();
  const torch::Tensor yt = torch::tensor(y, torch::kInt64);
  double sum = 0;
  int count = 0;
  for (size_t c = 0; c < labels.size(); ++c) {
    const double auc = roc_auc((yt == labels[c]).to(torch::kInt64), p.select(1, c));
    if (std::isnan(auc)) continue;
    sum += auc;
    ++count;
  }
  return count ? sum / count : kNaN;
}

void xgb_check(int code, const char* what) {
  TORCH_CHECK(code == 0, "XGBoost ", what, ": ", XGBGetLastError());
}

/// A DMatrix of x [N, M] (float32 copy) with class indices as labels.
class Matrix {
 public:
  Matrix(const torch::Tensor& x, const std::vector<float>& labels) {
    const torch::Tensor f = x.to(torch::kFloat32).contiguous();
    xgb_check(XGDMatrixCreateFromMat(f.data_ptr<float>(), static_cast<bst_ulong>(f.size(0)),
                                     static_cast<bst_ulong>(f.size(1)),
                                     std::numeric_limits<float>::quiet_NaN(), &handle_),
              "XGDMatrixCreateFromMat");
    xgb_check(XGDMatrixSetFloatInfo(handle_, "label", labels.data(),
                                    static_cast<bst_ulong>(labels.size())),
              "XGDMatrixSetFloatInfo");
  }
  ~Matrix() { XGDMatrixFree(handle_); }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  DMatrixHandle handle() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

struct Boosted {
  std::vector<double> importance;  // [M], normalized total gain
  double train_accuracy = 0, test_accuracy = 0;
};

Boosted boosted_trees(const torch::Tensor& x_train, const std::vector<int64_t>& y_train,
                      const torch::Tensor& x_test, const std::vector<int64_t>& y_test,
                      const DciOptions& o) {
  const std::vector<int64_t> classes = classes_of(y_train);
  const auto index = [&](const std::vector<int64_t>& y) {
    std::vector<float> out;
    for (const int64_t v : y) {
      const auto at = std::lower_bound(classes.begin(), classes.end(), v);
      // A test class never seen in training can never be predicted: index −1 is never argmax.
      out.push_back(at != classes.end() && *at == v ? static_cast<float>(at - classes.begin())
                                                    : -1.0f);
    }
    return out;
  };
  const std::vector<float> train_labels = index(y_train), test_labels = index(y_test);
  const Matrix train(x_train, train_labels);
  const Matrix test(x_test, std::vector<float>(test_labels.size(), 0.0f));
  BoosterHandle booster = nullptr;
  DMatrixHandle cache[] = {train.handle()};
  xgb_check(XGBoosterCreate(cache, 1, &booster), "XGBoosterCreate");
  const std::pair<const char*, std::string> params[] = {
      {"objective", "multi:softprob"},
      {"num_class", std::to_string(classes.size())},
      {"eta", std::to_string(o.learning_rate)},
      {"max_depth", std::to_string(o.max_depth)},
      {"lambda", std::to_string(o.lambda)},
      {"min_child_weight", std::to_string(o.min_child_weight)},
      {"tree_method", "exact"},
      {"seed", std::to_string(o.seed)},
      {"verbosity", "0"}};
  Boosted out;
  try {
    for (const auto& [name, value] : params) {
      xgb_check(XGBoosterSetParam(booster, name, value.c_str()), "XGBoosterSetParam");
    }
    for (int64_t round = 0; round < o.rounds; ++round) {
      xgb_check(XGBoosterUpdateOneIter(booster, static_cast<int>(round), train.handle()),
                "XGBoosterUpdateOneIter");
    }
    const auto accuracy = [&](const Matrix& m, const std::vector<float>& labels) {
      bst_ulong length = 0;
      const float* p = nullptr;
      xgb_check(XGBoosterPredict(booster, m.handle(), 0, 0, 0, &length, &p), "XGBoosterPredict");
      const size_t k = classes.size();
      TORCH_CHECK(length == labels.size() * k, "XGBoost: unexpected prediction size");
      size_t right = 0;
      for (size_t i = 0; i < labels.size(); ++i) {
        const size_t best = std::max_element(p + i * k, p + (i + 1) * k) - (p + i * k);
        right += static_cast<float>(best) == labels[i];
      }
      return static_cast<double>(right) / static_cast<double>(labels.size());
    };
    out.train_accuracy = accuracy(train, train_labels);
    out.test_accuracy = accuracy(test, test_labels);
    bst_ulong n_features = 0, dim = 0;
    const char** names = nullptr;
    const bst_ulong* shape = nullptr;
    const float* scores = nullptr;
    xgb_check(XGBoosterFeatureScore(booster, R"({"importance_type": "total_gain"})", &n_features,
                                    &names, &dim, &shape, &scores),
              "XGBoosterFeatureScore");
    // Features that no tree splits on are absent; names are "f<column>".
    out.importance.assign(static_cast<size_t>(x_train.size(1)), 0.0);
    const bst_ulong per_feature = dim == 2 ? shape[1] : 1;
    for (bst_ulong i = 0; i < n_features; ++i) {
      const size_t column = std::stoul(std::string(names[i]).substr(1));
      for (bst_ulong j = 0; j < per_feature; ++j) {
        out.importance[column] += scores[i * per_feature + j];
      }
    }
  } catch (...) {
    XGBoosterFree(booster);
    throw;
  }
  XGBoosterFree(booster);
  const double total = std::accumulate(out.importance.begin(), out.importance.end(), 0.0);
  if (total > 0) {
    for (double& v : out.importance) v /= total;
  }
  return out;
}

}  // namespace

double roc_auc(const torch::Tensor& labels, const torch::Tensor& scores) {
  const torch::Tensor y = labels.to(torch::kInt64).reshape({-1});
  const torch::Tensor s = scores.to(torch::kFloat64).reshape({-1}).contiguous();
  const int64_t n = s.numel();
  const double positives = static_cast<double>(y.sum().item<int64_t>());
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  // Average ranks (ties share the mean rank), then the Mann–Whitney U of the positives.
  std::vector<double> v(s.data_ptr<double>(), s.data_ptr<double>() + n);
  std::vector<size_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(static_cast<size_t>(n));
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (size_t k = i; k <= j; ++k) rank[order[k]] = 0.5 * static_cast<double>(i + j) + 1.0;
    i = j + 1;
  }
  const auto yl = y.accessor<int64_t, 1>();
  double rank_sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (yl[i]) rank_sum += rank[static_cast<size_t>(i)];
  }
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

ExplicitnessScore explicitness(const torch::Tensor& mu_train, const torch::Tensor& y_train,
                               const torch::Tensor& mu_test, const torch::Tensor& y_test) {
  TORCH_CHECK(mu_train.dim() == 2 && mu_test.dim() == 2 && mu_train.size(1) == mu_test.size(1) &&
                  y_train.size(1) == y_test.size(1),
              "explicitness: train and test must have the same codes and factors");
  // disentanglement_lib's normalize_data: the training set's mean and (population) sd.
  const torch::Tensor train = mu_train.to(torch::kFloat64);
  const torch::Tensor mean = train.mean(0, true);
  torch::Tensor sd = train.std(0, /*unbiased=*/false, true);
  sd = torch::where(sd > 0, sd, torch::ones_like(sd));  // a constant code stays 0
  const torch::Tensor x_train = ((train - mean) / sd).contiguous();
  const torch::Tensor x_test = ((mu_test.to(torch::kFloat64) - mean) / sd).contiguous();
  const int64_t factors = y_train.size(1);
  ExplicitnessScore out;
  out.per_factor_train = torch::empty({factors}, torch::kFloat64);
  out.per_factor_test = torch::empty({factors}, torch::kFloat64);
  for (int64_t f = 0; f < factors; ++f) {
    const Liblinear model(x_train, int_column(y_train, f), L2R_LR, /*c=*/1.0);
    out.per_factor_train[f] = mean_auc(model, x_train, int_column(y_train, f));
    out.per_factor_test[f] = mean_auc(model, x_test, int_column(y_test, f));
  }
  out.train = out.per_factor_train.mean().item<double>();
  out.test = out.per_factor_test.mean().item<double>();
  return out;
}

SapScore sap_discrete(const torch::Tensor& mu_train, const torch::Tensor& y_train,
                      const torch::Tensor& mu_test, const torch::Tensor& y_test) {
  TORCH_CHECK(mu_train.dim() == 2 && mu_train.size(1) >= 2 && mu_test.size(1) == mu_train.size(1) &&
                  y_train.size(1) == y_test.size(1),
              "sap_discrete: train and test must have the same codes (>= 2) and factors");
  const int64_t m = mu_train.size(1), factors = y_train.size(1);
  const torch::Tensor train = mu_train.to(torch::kFloat64), test = mu_test.to(torch::kFloat64);
  SapScore out;
  out.matrix = torch::empty({m, factors}, torch::kFloat64);
  for (int64_t f = 0; f < factors; ++f) {
    const std::vector<int64_t> y = int_column(y_train, f);
    const torch::Tensor truth = y_test.select(1, f).to(torch::kInt64);
    for (int64_t c = 0; c < m; ++c) {
      const Liblinear svc(train.slice(1, c, c + 1).contiguous(), y, L2R_L2LOSS_SVC_DUAL,
                          /*c=*/0.01, /*balanced=*/true);
      const torch::Tensor predicted = svc.predict(test.slice(1, c, c + 1).contiguous());
      out.matrix[c][f] = (predicted == truth).to(torch::kFloat64).mean().item<double>();
    }
  }
  const torch::Tensor top = std::get<0>(out.matrix.topk(2, /*dim=*/0));
  out.score = (top[0] - top[1]).mean().item<double>();
  return out;
}

std::pair<double, double> dci_from_importance(const torch::Tensor& importance) {
  const torch::Tensor r = importance.to(torch::kFloat64);
  const int64_t m = r.size(0), f = r.size(1);
  // scipy.stats.entropy(pk, base): pk normalized, −Σ p ln p / ln base.
  const auto one_minus_entropy = [](const torch::Tensor& rows, int64_t base) {
    const torch::Tensor p = rows / rows.sum(1, true);
    return 1 - (-(p * p.log()).sum(1) / std::log(static_cast<double>(base)));
  };
  const torch::Tensor weights = r.sum().item<double>() == 0 ? torch::ones_like(r) : r;
  const torch::Tensor per_code = one_minus_entropy(r + 1e-11, f);        // [M]
  const torch::Tensor per_factor = one_minus_entropy(r.t() + 1e-11, m);  // [F]
  const double total = weights.sum().item<double>();
  return {(per_code * weights.sum(1) / total).sum().item<double>(),
          (per_factor * weights.sum(0) / total).sum().item<double>()};
}

DciScore dci(const torch::Tensor& mu_train, const torch::Tensor& y_train,
             const torch::Tensor& mu_test, const torch::Tensor& y_test, const DciOptions& options) {
  TORCH_CHECK(mu_train.dim() == 2 && mu_test.dim() == 2 && mu_train.size(1) == mu_test.size(1) &&
                  y_train.size(1) == y_test.size(1),
              "dci: train and test must have the same codes and factors");
  const int64_t m = mu_train.size(1), factors = y_train.size(1);
  DciScore out;
  out.importance = torch::zeros({m, factors}, torch::kFloat64);
  for (int64_t f = 0; f < factors; ++f) {
    const Boosted b =
        boosted_trees(mu_train, int_column(y_train, f), mu_test, int_column(y_test, f), options);
    out.importance.select(1, f).copy_(torch::tensor(b.importance, torch::kFloat64));
    out.informativeness_train += b.train_accuracy / static_cast<double>(factors);
    out.informativeness_test += b.test_accuracy / static_cast<double>(factors);
  }
  std::tie(out.disentanglement, out.completeness) = dci_from_importance(out.importance);
  return out;
}

}  // namespace infofrag::metrics
