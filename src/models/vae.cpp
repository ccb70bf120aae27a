#include "infofrag/models/vae.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "infofrag/core/error.hpp"
#include "infofrag/core/lists.hpp"

namespace infofrag::models {

ModelSpec resolve_model(const ModelConfig& config, const std::vector<int64_t>& item_shape) {
  ModelSpec spec;
  fields::check(config, "model.");
  spec.kind = config.kind;
  spec.activation = config.activation;
  spec.init = config.init;
  spec.item_shape = item_shape;
  spec.latents = config.latents;
  const auto expect_image = [&](int64_t side) {
    if (item_shape.size() != 3 || item_shape[1] != side || item_shape[2] != side) {
      throw ConfigError("model.kind = " + fields::format(config.kind) +
                        " needs images of shape [C, " + std::to_string(side) + ", " +
                        std::to_string(side) + "], but the dataset's items have shape " +
                        shape_string(item_shape));
    }
  };
  switch (spec.kind) {
    case ModelKind::kConv64:
      expect_image(64);
      break;
    case ModelKind::kConv28:
      expect_image(28);
      break;
    case ModelKind::kMlp:
      if (item_shape.size() != 1) {
        throw ConfigError("model.kind = mlp needs vectors, but the dataset's items have shape " +
                          shape_string(item_shape) + " (use conv64 or conv28 for images)");
      }
      spec.widths = config.widths;
      if (spec.widths.empty()) throw ConfigError("model.widths is empty: mlp needs hidden widths");
      break;
  }
  return spec;
}

torch::Tensor batched_conv(const torch::Tensor& x, const torch::Tensor& weight,
                           const torch::Tensor& bias) {
  return torch::conv2d(x, weight.flatten(0, 1), bias.flatten(), /*stride=*/2, /*padding=*/1,
                       /*dilation=*/1, /*groups=*/weight.size(0));
}

torch::Tensor batched_conv_transpose(const torch::Tensor& x, const torch::Tensor& weight,
                                     const torch::Tensor& bias) {
  return torch::conv_transpose2d(x, weight.flatten(0, 1), bias.flatten(), /*stride=*/2,
                                 /*padding=*/1, /*output_padding=*/0, /*groups=*/weight.size(0));
}

torch::Tensor batched_dense(const torch::Tensor& x, const torch::Tensor& weight,
                            const torch::Tensor& bias) {
  return torch::baddbmm(bias.unsqueeze(1), x, weight);
}

BatchedVaeImpl::BatchedVaeImpl(ModelSpec spec, int64_t members)
    : spec_(std::move(spec)), members_(members) {
  TORCH_CHECK(members_ >= 1, "a batched VAE needs at least one member");
  const int64_t d = spec_.latents;
  std::vector<Layer> enc;
  std::vector<Layer> dec;
  const auto conv = [](int64_t in, int64_t out, int64_t size) {
    return Layer{LayerKind::kConv, in, out, size, {}, {}};
  };
  const auto deconv = [](int64_t in, int64_t out, int64_t size) {
    return Layer{LayerKind::kConvTranspose, in, out, size, {}, {}};
  };
  const auto dense = [](int64_t in, int64_t out) {
    return Layer{LayerKind::kDense, in, out, 0, {}, {}};
  };
  switch (spec_.kind) {
    case ModelKind::kConv64: {
      const int64_t c = spec_.item_shape[0];
      enc = {conv(c, 32, 64), conv(32, 32, 32),       conv(32, 64, 16),
             conv(64, 64, 8), dense(64 * 4 * 4, 256), dense(256, 2 * d)};
      dec = {dense(d, 256),     dense(256, 64 * 4 * 4), deconv(64, 64, 4),
             deconv(64, 32, 8), deconv(32, 32, 16),     deconv(32, c, 32)};
      break;
    }
    case ModelKind::kConv28: {
      const int64_t c = spec_.item_shape[0];
      enc = {conv(c, 32, 28), conv(32, 64, 14), dense(64 * 7 * 7, 256), dense(256, 2 * d)};
      dec = {dense(d, 256), dense(256, 64 * 7 * 7), deconv(64, 32, 7), deconv(32, c, 14)};
      break;
    }
    case ModelKind::kMlp: {
      int64_t in = spec_.item_shape[0];
      for (int64_t w : spec_.widths) {
        enc.push_back(dense(in, w));
        in = w;
      }
      enc.push_back(dense(in, 2 * d));
      in = d;
      for (auto w = spec_.widths.rbegin(); w != spec_.widths.rend(); ++w) {
        dec.push_back(dense(in, *w));
        in = *w;
      }
      dec.push_back(dense(in, spec_.item_shape[0]));
      break;
    }
  }
  encoder_ = build(enc, "encoder");
  decoder_ = build(dec, "decoder");
  for (int64_t k = 0; k < members_; ++k) initialize_member(k, static_cast<uint64_t>(k));
}

std::vector<BatchedVaeImpl::Layer> BatchedVaeImpl::build(const std::vector<Layer>& layers,
                                                         const std::string& prefix) {
  std::vector<Layer> built = layers;
  const int64_t k = members_;
  for (size_t i = 0; i < built.size(); ++i) {
    Layer& layer = built[i];
    std::vector<int64_t> shape;
    int64_t fan_in = 0;
    int64_t fan_sum = 0;  // Keras: fan_in + fan_out, each times kh·kw for convolutions
    switch (layer.kind) {
      case LayerKind::kConv:
        shape = {k, layer.out, layer.in, 4, 4};
        fan_in = layer.in * 16;
        fan_sum = (layer.in + layer.out) * 16;
        break;
      case LayerKind::kConvTranspose:
        // PyTorch's fan-in of a transposed convolution counts its output channels.
        shape = {k, layer.in, layer.out, 4, 4};
        fan_in = layer.out * 16;
        fan_sum = (layer.in + layer.out) * 16;
        break;
      case LayerKind::kDense:
        shape = {k, layer.in, layer.out};
        fan_in = layer.in;
        fan_sum = layer.in + layer.out;
        break;
    }
    const std::string name = prefix + "_" + std::to_string(i);
    layer.weight = register_parameter(name + "_weight", torch::zeros(shape));
    layer.bias = register_parameter(name + "_bias", torch::zeros({k, layer.out}));
    names_.push_back(name + "_weight");
    names_.push_back(name + "_bias");
    fan_in_.push_back(fan_in);
    fan_in_.push_back(fan_in);
    fan_sum_.push_back(fan_sum);
    fan_sum_.push_back(fan_sum);
    is_bias_.push_back(false);
    is_bias_.push_back(true);
  }
  return built;
}

torch::Tensor BatchedVaeImpl::run(std::vector<Layer>& layers, torch::Tensor x, bool image_input,
                                  bool image_output) {
  const int64_t k = members_;
  // Two layouts: dense [K, B, F], and image [B, K*C, H, W] (member-major channels, the
  // layout of grouped convolutions).
  bool image = image_input;
  if (image) {
    const auto s = x.sizes();
    x = x.transpose(0, 1).reshape({s[1], k * s[2], s[3], s[4]});
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer& layer = layers[i];
    if (layer.kind == LayerKind::kDense) {
      if (image) {
        x = x.reshape({x.size(0), k, -1}).transpose(0, 1);
        image = false;
      }
      x = batched_dense(x, layer.weight, layer.bias);
    } else {
      if (!image) {
        x = x.transpose(0, 1).reshape({x.size(1), k * layer.in, layer.in_size, layer.in_size});
        image = true;
      }
      x = layer.kind == LayerKind::kConv ? batched_conv(x, layer.weight, layer.bias)
                                         : batched_conv_transpose(x, layer.weight, layer.bias);
    }
    if (i + 1 < layers.size()) {
      x = spec_.activation == Activation::kTanh && spec_.kind == ModelKind::kMlp ? torch::tanh(x)
                                                                                 : torch::relu(x);
    }
  }
  if (image_output) {
    TORCH_CHECK(image, "an image decoder must end with a convolution");
    const auto s = x.sizes();
    x = x.reshape({s[0], k, s[1] / k, s[2], s[3]}).transpose(0, 1);
  }
  return x;
}

Posterior BatchedVaeImpl::encode(const torch::Tensor& x) {
  const bool image = spec_.item_shape.size() == 3;
  TORCH_CHECK(x.dim() == static_cast<int64_t>(spec_.item_shape.size()) + 2 && x.size(0) == members_,
              "encode expects [K, B, *item_shape], got ", x.sizes());
  const auto out = run(encoder_, x, image, /*image_output=*/false);
  const int64_t d = spec_.latents;
  return {out.narrow(2, 0, d), out.narrow(2, d, d)};
}

torch::Tensor BatchedVaeImpl::decode(const torch::Tensor& z) {
  TORCH_CHECK(z.dim() == 3 && z.size(0) == members_ && z.size(2) == spec_.latents,
              "decode expects [K, B, d], got ", z.sizes());
  return run(decoder_, z, /*image_input=*/false, /*image_output=*/spec_.item_shape.size() == 3);
}

void BatchedVaeImpl::initialize_member(int64_t k, uint64_t seed) {
  TORCH_CHECK(k >= 0 && k < members_, "member ", k, " out of range");
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto params = named_parameters(/*recurse=*/false);
  for (size_t i = 0; i < names_.size(); ++i) {
    torch::Tensor param = params[names_[i]];
    double bound = 0;
    switch (spec_.init) {
      case Init::kPytorch:
        bound = 1.0 / std::sqrt(static_cast<double>(fan_in_[i]));
        break;
      case Init::kGlorot:
        bound = is_bias_[i] ? 0.0 : std::sqrt(6.0 / static_cast<double>(fan_sum_[i]));
        break;
    }
    auto values = torch::zeros(param[k].sizes(), torch::kFloat32);
    if (bound > 0) values.uniform_(-bound, bound, generator);
    param[k].copy_(values);
  }
}

std::map<std::string, torch::Tensor> BatchedVaeImpl::member_parameters(int64_t k) const {
  TORCH_CHECK(k >= 0 && k < members_, "member ", k, " out of range");
  std::map<std::string, torch::Tensor> out;
  const auto params = named_parameters(/*recurse=*/false);
  for (const auto& name : names_) out[name] = params[name][k];
  return out;
}

void BatchedVaeImpl::load_member(int64_t k, const std::map<std::string, torch::Tensor>& values) {
  TORCH_CHECK(k >= 0 && k < members_, "member ", k, " out of range");
  torch::NoGradGuard no_grad;
  const auto params = named_parameters(/*recurse=*/false);
  for (const auto& name : names_) {
    const auto found = values.find(name);
    TORCH_CHECK(found != values.end(), "missing parameter ", name);
    torch::Tensor target = params[name][k];
    TORCH_CHECK(found->second.sizes() == target.sizes(), "parameter ", name, " has shape ",
                found->second.sizes(), ", expected ", target.sizes());
    target.copy_(found->second);
  }
}

}  // namespace infofrag::models
