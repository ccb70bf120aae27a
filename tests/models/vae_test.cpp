// The batched model against LibTorch's own layers: every member of a batched VAE computes
// what torch::nn::Conv2d, ConvTranspose2d and Linear compute with that member's weights.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "infofrag/models/discriminator.hpp"
#include "infofrag/models/vae.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

using namespace infofrag::models;

namespace {

/// float32 rounding of sums of a few hundred products of magnitude ~1.
constexpr double kTolerance = 2e-5;

double max_abs_difference(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a - b).abs().max().item<double>();
}

torch::Tensor uniform(std::vector<int64_t> shape, double bound) {
  return torch::rand(shape, torch::kFloat32) * (2 * bound) - bound;
}

/// One layer of a member's network as the architecture describes it, independently of the
/// batched model: a 4×4 stride-2 convolution, its transpose, or a dense layer.
enum class Kind { kConv, kDeconv, kDense };
struct LayerDesc {
  Kind kind;
  int64_t in;
  int64_t out;
  int64_t in_size;  ///< conv layers: input height = width
};

/// The member's network from LibTorch's own layers, with the weights of `params` (as
/// BatchedVae::member_parameters names them, "<prefix>_<i>_weight"). x: [B, ...] -> [B, ...].
torch::Tensor reference_forward(const std::vector<LayerDesc>& layers,
                                const std::map<std::string, torch::Tensor>& params,
                                const std::string& prefix, torch::Tensor x, bool tanh) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerDesc& l = layers[i];
    const auto& w = params.at(prefix + "_" + std::to_string(i) + "_weight");
    const auto& b = params.at(prefix + "_" + std::to_string(i) + "_bias");
    switch (l.kind) {
      case Kind::kConv: {
        if (x.dim() == 2) x = x.view({x.size(0), l.in, l.in_size, l.in_size});
        torch::nn::Conv2d conv(torch::nn::Conv2dOptions(l.in, l.out, 4).stride(2).padding(1));
        conv->weight.copy_(w);
        conv->bias.copy_(b);
        x = conv(x);
        break;
      }
      case Kind::kDeconv: {
        if (x.dim() == 2) x = x.view({x.size(0), l.in, l.in_size, l.in_size});
        torch::nn::ConvTranspose2d deconv(
            torch::nn::ConvTranspose2dOptions(l.in, l.out, 4).stride(2).padding(1));
        deconv->weight.copy_(w);
        deconv->bias.copy_(b);
        x = deconv(x);
        break;
      }
      case Kind::kDense: {
        if (x.dim() == 4) x = x.flatten(1);
        torch::nn::Linear linear(l.in, l.out);
        linear->weight.copy_(w.t());  // Linear keeps [out, in]
        linear->bias.copy_(b);
        x = linear(x);
        break;
      }
    }
    if (i + 1 < layers.size()) x = tanh ? torch::tanh(x) : torch::relu(x);
  }
  return x;
}

struct Architecture {
  std::string name;
  ModelSpec spec;
  std::vector<LayerDesc> encoder;
  std::vector<LayerDesc> decoder;
};

/// The three families with d = 3 latents, written out from their documented shapes.
std::vector<Architecture> architectures() {
  const int64_t d = 3;
  const auto conv = [](int64_t in, int64_t out, int64_t size) {
    return LayerDesc{Kind::kConv, in, out, size};
  };
  const auto deconv = [](int64_t in, int64_t out, int64_t size) {
    return LayerDesc{Kind::kDeconv, in, out, size};
  };
  const auto dense = [](int64_t in, int64_t out) { return LayerDesc{Kind::kDense, in, out, 0}; };
  std::vector<Architecture> out;
  {
    Architecture a;
    a.name = "conv64";
    a.spec.kind = ModelKind::kConv64;
    a.spec.latents = d;
    a.spec.item_shape = {1, 64, 64};
    // disentanglement_lib's conv encoder (Locatello et al. 2019) and its mirror.
    a.encoder = {conv(1, 32, 64), conv(32, 32, 32), conv(32, 64, 16),
                 conv(64, 64, 8), dense(1024, 256), dense(256, 2 * d)};
    a.decoder = {dense(d, 256),     dense(256, 1024),   deconv(64, 64, 4),
                 deconv(64, 32, 8), deconv(32, 32, 16), deconv(32, 1, 32)};
    out.push_back(a);
  }
  {
    Architecture a;
    a.name = "conv28";
    a.spec.kind = ModelKind::kConv28;
    a.spec.latents = d;
    a.spec.item_shape = {2, 28, 28};  // two channels: member-major channel layout matters
    a.encoder = {conv(2, 32, 28), conv(32, 64, 14), dense(64 * 49, 256), dense(256, 2 * d)};
    a.decoder = {dense(d, 256), dense(256, 64 * 49), deconv(64, 32, 7), deconv(32, 2, 14)};
    out.push_back(a);
  }
  for (const Activation activation : {Activation::kRelu, Activation::kTanh}) {
    Architecture a;
    a.name = activation == Activation::kRelu ? "mlp relu" : "mlp tanh";
    a.spec.kind = ModelKind::kMlp;
    a.spec.latents = d;
    a.spec.item_shape = {12};
    a.spec.widths = {16, 8};
    a.spec.activation = activation;
    a.encoder = {dense(12, 16), dense(16, 8), dense(8, 2 * d)};
    a.decoder = {dense(d, 8), dense(8, 16), dense(16, 12)};
    out.push_back(a);
  }
  return out;
}

}  // namespace

TEST_CASE("each batched layer equals LibTorch's layer with member k's weights", "[models]") {
  torch::manual_seed(1);
  torch::NoGradGuard no_grad;
  const int64_t k = 3, batch = 4, c_in = 2, c_out = 5, side = 8;

  SECTION("convolution = Conv2d(C_in, C_out, 4, stride 2, padding 1)") {
    const auto x = torch::rand({batch, k * c_in, side, side});
    const auto w = uniform({k, c_out, c_in, 4, 4}, 0.5);
    const auto b = uniform({k, c_out}, 0.5);
    const auto y = batched_conv(x, w, b);
    REQUIRE(y.sizes() == torch::IntArrayRef({batch, k * c_out, side / 2, side / 2}));
    for (int64_t m = 0; m < k; ++m) {
      torch::nn::Conv2d conv(torch::nn::Conv2dOptions(c_in, c_out, 4).stride(2).padding(1));
      conv->weight.copy_(w[m]);
      conv->bias.copy_(b[m]);
      const auto expected = conv(x.narrow(1, m * c_in, c_in));
      CHECK(max_abs_difference(y.narrow(1, m * c_out, c_out), expected) < kTolerance);
    }
  }
  SECTION("transposed convolution = ConvTranspose2d(C_in, C_out, 4, stride 2, padding 1)") {
    const auto x = torch::rand({batch, k * c_in, side, side});
    const auto w = uniform({k, c_in, c_out, 4, 4}, 0.5);
    const auto b = uniform({k, c_out}, 0.5);
    const auto y = batched_conv_transpose(x, w, b);
    REQUIRE(y.sizes() == torch::IntArrayRef({batch, k * c_out, 2 * side, 2 * side}));
    for (int64_t m = 0; m < k; ++m) {
      torch::nn::ConvTranspose2d deconv(
          torch::nn::ConvTranspose2dOptions(c_in, c_out, 4).stride(2).padding(1));
      deconv->weight.copy_(w[m]);
      deconv->bias.copy_(b[m]);
      const auto expected = deconv(x.narrow(1, m * c_in, c_in));
      CHECK(max_abs_difference(y.narrow(1, m * c_out, c_out), expected) < kTolerance);
    }
  }
  SECTION("dense = Linear(in, out) with the weight transposed") {
    const auto x = torch::randn({k, batch, 7});
    const auto w = uniform({k, 7, c_out}, 0.5);
    const auto b = uniform({k, c_out}, 0.5);
    const auto y = batched_dense(x, w, b);
    REQUIRE(y.sizes() == torch::IntArrayRef({k, batch, c_out}));
    for (int64_t m = 0; m < k; ++m) {
      torch::nn::Linear linear(7, c_out);
      linear->weight.copy_(w[m].t());
      linear->bias.copy_(b[m]);
      CHECK(max_abs_difference(y[m], linear(x[m])) < kTolerance);
    }
  }
}

TEST_CASE("every member's encoder and decoder equal LibTorch modules with its weights",
          "[models]") {
  torch::manual_seed(2);
  const int64_t k = 3, batch = 2;
  for (const Architecture& a : architectures()) {
    INFO(a.name);
    BatchedVae vae(a.spec, k);
    for (int64_t m = 0; m < k; ++m) vae->initialize_member(m, static_cast<uint64_t>(100 + m));
    std::vector<int64_t> x_shape = {k, batch};
    x_shape.insert(x_shape.end(), a.spec.item_shape.begin(), a.spec.item_shape.end());
    const auto x = torch::rand(x_shape);
    const auto z = torch::randn({k, batch, a.spec.latents});
    torch::NoGradGuard no_grad;
    const Posterior q = vae->encode(x);
    const auto decoded = vae->decode(z);
    REQUIRE(q.mu.sizes() == torch::IntArrayRef({k, batch, a.spec.latents}));
    REQUIRE(decoded.sizes() == x.sizes());
    const bool tanh = a.spec.activation == Activation::kTanh;
    for (int64_t m = 0; m < k; ++m) {
      INFO("member " << m);
      const auto params = vae->member_parameters(m);
      const auto encoded = reference_forward(a.encoder, params, "encoder", x[m], tanh);
      const int64_t d = a.spec.latents;
      CHECK(max_abs_difference(q.mu[m], encoded.narrow(1, 0, d)) < kTolerance);
      CHECK(max_abs_difference(q.logvar[m], encoded.narrow(1, d, d)) < kTolerance);
      CHECK(max_abs_difference(decoded[m], reference_forward(a.decoder, params, "decoder", z[m],
                                                             tanh)) < kTolerance);
    }
    // The members differ (different seeds), so a mix-up of members would show above.
    CHECK(max_abs_difference(q.mu[0], q.mu[1]) > 1e-3);
  }
}

TEST_CASE("a member's initialization depends on its seed only, and follows PyTorch's bounds",
          "[models]") {
  const auto arch = architectures().front();  // conv64
  BatchedVae three(arch.spec, 3);
  BatchedVae one(arch.spec, 1);
  three->initialize_member(2, 7);
  one->initialize_member(0, 7);
  const auto a = three->member_parameters(2);
  const auto b = one->member_parameters(0);
  for (const auto& [name, value] : a) {
    INFO(name);
    CHECK(torch::equal(value, b.at(name)));
  }
  // PyTorch's default: uniform on ±1/sqrt(fan_in), where fan_in counts input channels × 16
  // for a convolution and output channels × 16 for a transposed one (its weight's dim 1).
  const struct {
    std::string name;
    double fan_in;
  } bounds[] = {{"encoder_0_weight", 1 * 16},
                {"encoder_1_bias", 32 * 16},
                {"encoder_4_weight", 1024},
                {"decoder_2_weight", 64 * 16},
                {"decoder_5_weight", 1 * 16.0}};
  for (const auto& [name, fan_in] : bounds) {
    INFO(name);
    const double bound = 1 / std::sqrt(fan_in);
    const double largest = a.at(name).abs().max().item<double>();
    CHECK(largest <= bound);
    CHECK(largest > 0.8 * bound);  // and fills its range
  }
}

TEST_CASE("glorot initialization: Glorot-uniform weights as Keras draws them, zero biases",
          "[models]") {
  // Keras's glorot_uniform: U(±sqrt(6 / (fan_in + fan_out))), fans of a 4×4 convolution
  // in·16 and out·16 (either way round for a transposed one), of a dense layer in and out;
  // biases 0. Every layer of conv64 and of the circle learners' mlp (2 -> 256 -> 256 -> 2d).
  std::vector<Architecture> cases = {architectures().front()};  // conv64
  {
    Architecture circle;
    circle.name = "circle mlp";
    circle.spec.kind = ModelKind::kMlp;
    circle.spec.latents = 1;
    circle.spec.item_shape = {2};
    circle.spec.widths = {256, 256};
    circle.spec.activation = Activation::kTanh;
    const auto dense = [](int64_t in, int64_t out) { return LayerDesc{Kind::kDense, in, out, 0}; };
    circle.encoder = {dense(2, 256), dense(256, 256), dense(256, 2)};
    circle.decoder = {dense(1, 256), dense(256, 256), dense(256, 2)};
    cases.push_back(circle);
  }
  for (Architecture a : cases) {
    INFO(a.name);
    a.spec.init = Init::kGlorot;
    BatchedVae vae(a.spec, 2);
    vae->initialize_member(1, 11);
    const auto params = vae->member_parameters(1);
    size_t checked = 0;
    for (const auto& [prefix, layers] : {std::pair{std::string("encoder"), a.encoder},
                                         std::pair{std::string("decoder"), a.decoder}}) {
      for (size_t i = 0; i < layers.size(); ++i) {
        const LayerDesc& l = layers[i];
        const std::string name = prefix + "_" + std::to_string(i);
        INFO(name);
        const double receptive = l.kind == Kind::kDense ? 1 : 16;
        const double bound = std::sqrt(6 / ((l.in + l.out) * receptive));
        const auto w = params.at(name + "_weight").to(torch::kFloat64);
        const double n = static_cast<double>(w.numel());
        CHECK(w.abs().max().item<double>() <= bound);
        // A uniform on ±a: variance a²/3; the sample variance's relative standard error is
        // sqrt(4/5)/sqrt(n), its mean's a/sqrt(3n). Five of each.
        const double variance = w.pow(2).mean().item<double>();
        CHECK(std::abs(variance / (bound * bound / 3) - 1) < 5 * std::sqrt(0.8 / n));
        CHECK(std::abs(w.mean().item<double>()) < 5 * bound / std::sqrt(3 * n));
        if (n >= 256) CHECK(w.abs().max().item<double>() > 0.95 * bound);  // fills its range
        CHECK(params.at(name + "_bias").abs().max().item<double>() == 0.0);
        checked += 2;
      }
    }
    CHECK(checked == params.size());  // every parameter was one of the layers above

    // The same seed draws the same weights in a pack of one; PyTorch's init draws others.
    BatchedVae one(a.spec, 1);
    one->initialize_member(0, 11);
    for (const auto& [name, value] : one->member_parameters(0)) {
      INFO(name);
      CHECK(torch::equal(value, params.at(name)));
    }
    a.spec.init = Init::kPytorch;
    BatchedVae pytorch(a.spec, 1);
    pytorch->initialize_member(0, 11);
    CHECK(pytorch->member_parameters(0).at("encoder_0_bias").abs().max().item<double>() > 0);
  }
}

TEST_CASE("glorot initialization of FactorVAE's discriminator: the study's 6 x 1000", "[models]") {
  BatchedDiscriminator disc(2, /*latents=*/10, /*width=*/1000, /*depth=*/6, Init::kGlorot);
  disc->initialize_member(1, 3);
  const auto params = disc->ordered_parameters();
  REQUIRE(params.size() == 14);
  for (size_t i = 0; i < 7; ++i) {
    INFO("dense_" << i);
    const double in = i == 0 ? 10 : 1000, out = i == 6 ? 2 : 1000;
    const double bound = std::sqrt(6 / (in + out));
    const auto w = params[2 * i][1].to(torch::kFloat64);
    CHECK(w.abs().max().item<double>() <= bound);
    CHECK(w.abs().max().item<double>() > 0.95 * bound);
    const double n = static_cast<double>(w.numel());
    CHECK(std::abs(w.pow(2).mean().item<double>() / (bound * bound / 3) - 1) <
          5 * std::sqrt(0.8 / n));
    CHECK(params[2 * i + 1][1].abs().max().item<double>() == 0.0);
  }
}
