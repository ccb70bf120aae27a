#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "infofrag/core/fields.hpp"

namespace infofrag::models {

/// The encoder/decoder families. A runtime choice: a switch.
enum class ModelKind { kConv64, kConv28, kMlp };
inline const std::vector<Choice<ModelKind>>& field_choices(ModelKind) {
  static const std::vector<Choice<ModelKind>> table = {
      {ModelKind::kConv64, "conv64"}, {ModelKind::kConv28, "conv28"}, {ModelKind::kMlp, "mlp"}};
  return table;
}
enum class Activation { kRelu, kTanh };
inline const std::vector<Choice<Activation>>& field_choices(Activation) {
  static const std::vector<Choice<Activation>> table = {{Activation::kRelu, "relu"},
                                                        {Activation::kTanh, "tanh"}};
  return table;
}

/// How a member's weights are first drawn (from its seed). A runtime choice: a switch.
enum class Init {
  /// PyTorch's default: weights and biases uniform on ±1/sqrt(fan_in), fan_in = in·kh·kw (a
  /// transposed convolution's counts its output channels, as PyTorch does).
  kPytorch,
  /// TensorFlow's and Keras's default, that of the disentanglement_lib study and the paper's
  /// circle notebook: weights Glorot-uniform on ±sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio
  /// 2010; convolutions: fan_in = in·kh·kw, fan_out = out·kh·kw, as Keras counts them), biases 0.
  kGlorot,
};
inline const std::vector<Choice<Init>>& field_choices(Init) {
  static const std::vector<Choice<Init>> table = {{Init::kPytorch, "pytorch"},
                                                  {Init::kGlorot, "glorot"}};
  return table;
}

/// Section [model] of a sweep config.
struct ModelConfig {
  ModelKind kind = ModelKind::kConv64;  ///< conv64 (64×64 images), conv28 (28×28), mlp
  int64_t latents = 10;                 ///< d, latent channels per member
  std::vector<int64_t> widths = {256,
                                 256};  ///< mlp: hidden widths of the encoder (decoder mirrored)
  Activation activation = Activation::kRelu;  ///< mlp: relu or tanh (conv models use relu)
  /// Weight initialization. PyTorch's by default, so that ensembles trained before the option
  /// existed (their config.ini lacks it) resume unchanged; the study configs choose glorot.
  Init init = Init::kPytorch;

  /// Section [model]; the attribute names are those of member files.
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(kind, "kind", "conv64 (64x64 images), conv28 (28x28 images) or mlp (vectors)", attr("model"));
    v(latents, "latents", "latent channels d", at_least(1));
    v(widths, "widths", "mlp: hidden widths, comma-separated", at_least(1));
    v(activation, "activation", "mlp: relu or tanh");
    v(init, "init",
      "weight initialization: pytorch (uniform +-1/sqrt(fan_in), weights and biases) or glorot "
      "(Glorot-uniform weights, zero biases: TensorFlow's and Keras's, as the study's)",
      older_files_lack());
  }
};

/// A model's architecture, resolved against the data it reads.
struct ModelSpec {
  ModelKind kind = ModelKind::kConv64;
  int64_t latents = 10;
  std::vector<int64_t> item_shape;  ///< [C, H, W] for conv models, [D] for mlp
  std::vector<int64_t> widths;      ///< mlp hidden widths
  Activation activation = Activation::kRelu;
  Init init = Init::kPytorch;
};

/// Resolves `config` against items of `item_shape`. Throws ConfigError naming the option and
/// the value when the data does not fit the model (e.g. 28×28 images for conv64).
ModelSpec resolve_model(const ModelConfig& config, const std::vector<int64_t>& item_shape);

/// Diagonal-Gaussian posteriors of K members: mu and logvar [K, B, d].
struct Posterior {
  torch::Tensor mu;
  torch::Tensor logvar;
};

/// The layers of K members run as one (member k's outputs depend only on member k's inputs
/// and parameters). Each equals, for every member, LibTorch's own layer with that member's
/// weights (tests/models/vae_test.cpp).
///
/// Convolution, torch::nn::Conv2d(C_in, C_out, 4).stride(2).padding(1) per member.
/// x: [B, K·C_in, H, W] (member-major channels), weight: [K, C_out, C_in, 4, 4],
/// bias: [K, C_out] -> [B, K·C_out, H/2, W/2].
torch::Tensor batched_conv(const torch::Tensor& x, const torch::Tensor& weight,
                           const torch::Tensor& bias);
/// Transposed convolution, torch::nn::ConvTranspose2d(C_in, C_out, 4).stride(2).padding(1).
/// x: [B, K·C_in, H, W], weight: [K, C_in, C_out, 4, 4], bias: [K, C_out]
/// -> [B, K·C_out, 2H, 2W].
torch::Tensor batched_conv_transpose(const torch::Tensor& x, const torch::Tensor& weight,
                                     const torch::Tensor& bias);
/// Dense layer, torch::nn::Linear(in, out) per member with its weight transposed.
/// x: [K, B, in], weight: [K, in, out], bias: [K, out] -> [K, B, out].
torch::Tensor batched_dense(const torch::Tensor& x, const torch::Tensor& weight,
                            const torch::Tensor& bias);

/// K independent VAEs of one architecture in one module: every parameter has a leading
/// member axis [K, ...]; convolutions run grouped (groups = K) and dense layers as batched
/// matrix products. Member k's outputs depend only on member k's parameters and inputs, so
/// training K members together is the same computation as training each alone.
///
/// conv64 is the encoder/decoder of the disentanglement_lib study (Locatello et al. 2019):
/// 4×4 convolutions with stride 2 and 32, 32, 64, 64 channels, dense 256, 2d outputs; the
/// decoder mirrors it with transposed convolutions. conv28 uses 32, 64 channels for 28×28.
class BatchedVaeImpl : public torch::nn::Module {
 public:
  BatchedVaeImpl(ModelSpec spec, int64_t members);

  const ModelSpec& spec() const { return spec_; }
  int64_t members() const { return members_; }

  /// x: float [K, B, *item_shape] -> posteriors [K, B, d].
  Posterior encode(const torch::Tensor& x);
  /// z: float [K, B, d] -> [K, B, *item_shape]: Bernoulli logits for images, Gaussian means
  /// for vectors.
  torch::Tensor decode(const torch::Tensor& z);

  /// Re-draws member k's parameters from its own seed by the spec's `init` (Init),
  /// independently of K.
  void initialize_member(int64_t k, uint64_t seed);

  /// Names of the parameters, in a fixed order ("encoder.0.weight", ...).
  const std::vector<std::string>& parameter_names() const { return names_; }
  /// Member k's slice of every parameter (views: shapes without the member axis).
  std::map<std::string, torch::Tensor> member_parameters(int64_t k) const;
  /// Copies `values` (as returned by member_parameters) into member k.
  void load_member(int64_t k, const std::map<std::string, torch::Tensor>& values);

 private:
  enum class LayerKind { kConv, kConvTranspose, kDense };
  struct Layer {
    LayerKind kind;
    int64_t in = 0;       ///< input features or channels
    int64_t out = 0;      ///< output features or channels
    int64_t in_size = 0;  ///< conv layers: input height = width
    torch::Tensor weight;
    torch::Tensor bias;
  };

  std::vector<Layer> build(const std::vector<Layer>& layers, const std::string& prefix);
  torch::Tensor run(std::vector<Layer>& layers, torch::Tensor x, bool image_input,
                    bool image_output);

  ModelSpec spec_;
  int64_t members_;
  std::vector<Layer> encoder_;
  std::vector<Layer> decoder_;
  std::vector<std::string> names_;
  std::vector<int64_t> fan_in_;   ///< per parameter, PyTorch's fan-in (Init::kPytorch)
  std::vector<int64_t> fan_sum_;  ///< per parameter, Keras's fan_in + fan_out (Init::kGlorot)
  std::vector<bool> is_bias_;     ///< per parameter
};
TORCH_MODULE(BatchedVae);

}  // namespace infofrag::models
