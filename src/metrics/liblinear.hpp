#pragma once

// liblinear's classifiers for the scores that train one (trained.cpp, intervention.cpp).
// Private to the library: the public headers do not expose liblinear.

#include <linear.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace infofrag::metrics::detail {

/// The sorted distinct values of `labels`.
inline std::vector<int64_t> classes_of(const std::vector<int64_t>& labels) {
  std::vector<int64_t> c = labels;
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
  return c;
}

inline void quiet(const char*) {}

/// A liblinear linear classifier, one-vs-rest, bias feature 1: `solver` L2R_LR (logistic
/// regression) or L2R_L2LOSS_SVC_DUAL (scikit-learn's LinearSVC), with scikit-learn's
/// tolerance 1e-4 and, when `balanced`, class weights n / (classes · n_c) as scikit-learn's
/// class_weight="balanced" passes them.
class Liblinear {
 public:
  /// x: float64 [N, M] contiguous; y: class labels.
  Liblinear(const torch::Tensor& x, const std::vector<int64_t>& y, int solver, double c,
            bool balanced = false) {
    set_print_string_function(&quiet);  // liblinear prints its iterations otherwise
    const int64_t n = x.size(0);
    features_ = static_cast<int>(x.size(1));
    std::vector<double> labels(y.begin(), y.end());
    std::vector<std::vector<feature_node>> rows(static_cast<size_t>(n));
    std::vector<feature_node*> pointers;
    for (int64_t i = 0; i < n; ++i) {
      rows[i] = nodes(x[i]);
      pointers.push_back(rows[i].data());
    }
    problem prob{};
    prob.l = static_cast<int>(n);
    prob.n = features_ + 1;  // the bias feature
    prob.y = labels.data();
    prob.x = pointers.data();
    prob.bias = 1.0;
    parameter param{};
    param.solver_type = solver;
    param.C = c;
    param.eps = 1e-4;  // scikit-learn's tol
    param.p = 0.1;
    std::vector<int> weight_label;
    std::vector<double> weight;
    if (balanced) {
      const std::vector<int64_t> classes = classes_of(y);
      for (const int64_t k : classes) {
        const double count = static_cast<double>(std::count(y.begin(), y.end(), k));
        weight_label.push_back(static_cast<int>(k));
        weight.push_back(static_cast<double>(n) / (static_cast<double>(classes.size()) * count));
      }
      param.nr_weight = static_cast<int>(weight.size());
      param.weight_label = weight_label.data();
      param.weight = weight.data();
    }
    const char* problem_text = check_parameter(&prob, &param);
    TORCH_CHECK(problem_text == nullptr, "liblinear: ", problem_text ? problem_text : "");
    model_ = train(&prob, &param);         // copies what it keeps; rows may go
    model_->param.weight_label = nullptr;  // the model must not free our vectors
    model_->param.weight = nullptr;
    model_->param.nr_weight = 0;
  }
  ~Liblinear() { free_and_destroy_model(&model_); }
  Liblinear(const Liblinear&) = delete;
  Liblinear& operator=(const Liblinear&) = delete;

  /// The predicted class of each row of x [N, M]: int64 [N].
  torch::Tensor predict(const torch::Tensor& x) const {
    torch::Tensor out = torch::empty({x.size(0)}, torch::kInt64);
    for (int64_t i = 0; i < x.size(0); ++i) {
      const std::vector<feature_node> row = nodes(x[i]);
      out[i] = static_cast<int64_t>(::predict(model_, row.data()));
    }
    return out;
  }

  /// Class labels in the order of `probabilities`' columns.
  std::vector<int64_t> labels() const {
    std::vector<int> l(static_cast<size_t>(get_nr_class(model_)));
    get_labels(model_, l.data());
    return {l.begin(), l.end()};
  }
  /// float64 [N, classes].
  torch::Tensor probabilities(const torch::Tensor& x) const {
    const int classes = get_nr_class(model_);
    torch::Tensor out = torch::empty({x.size(0), classes}, torch::kFloat64);
    for (int64_t i = 0; i < x.size(0); ++i) {
      const std::vector<feature_node> row = nodes(x[i]);
      predict_probability(model_, row.data(), out[i].data_ptr<double>());
    }
    return out;
  }

 private:
  std::vector<feature_node> nodes(const torch::Tensor& row) const {
    std::vector<feature_node> out;
    const double* v = row.data_ptr<double>();
    for (int j = 0; j < features_; ++j) out.push_back({j + 1, v[j]});
    out.push_back({features_ + 1, 1.0});  // bias
    out.push_back({-1, 0.0});
    return out;
  }
  int features_ = 0;
  model* model_ = nullptr;
};

}  // namespace infofrag::metrics::detail
