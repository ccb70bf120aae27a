#include "infofrag/synth/synth.hpp"

#include <catch2/catch.hpp>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/core/error.hpp"

TEST_CASE("Synthetic ensembles are reproducible and have the planted structure", "[synth]") {
  infofrag::SynthConfig config;
  config.points = 400;
  config.members = 4;
  config.dims = 6;
  config.seed = 3;
  const auto a = infofrag::synthesize(config);
  const auto b = infofrag::synthesize(config);
  REQUIRE(a.members.size() == 4);
  CHECK(torch::equal(a.members[2].mu, b.members[2].mu));
  CHECK(torch::equal(a.labels, b.labels));
  CHECK(a.factor_names ==
        std::vector<std::string>{"discrete_0", "discrete_1", "continuous_0", "continuous_1"});
  config.seed = 4;
  CHECK_FALSE(torch::equal(infofrag::synthesize(config).members[0].mu, a.members[0].mu));

  // Every encoding channel's best factor is the planted one, with high NMI; the others
  // carry almost nothing.
  infofrag::AnalyzeConfig analyze;
  analyze.dtype = torch::kFloat64;
  analyze.progress = false;
  const auto result = infofrag::analyze(a, analyze);
  int64_t channel = 0;
  for (const auto& member : a.members) {
    const auto& planted = std::get<std::vector<std::string>>(member.attrs.at("channel_factors"));
    for (const auto& factor : planted) {
      const double info = result.channels.info_bits[channel].item<double>();
      if (factor == "none") {
        CHECK(info < 0.01);
      } else {
        const int64_t best = result.labels.nmi[channel].argmax().item<int64_t>();
        CHECK(a.factor_names[static_cast<size_t>(best)] == factor);
        CHECK(result.labels.nmi[channel][best].item<double>() > 0.7);
      }
      ++channel;
    }
  }
}

TEST_CASE("Bad synth options are rejected by name", "[synth]") {
  infofrag::SynthConfig config;
  config.discrete = {3, 1};
  CHECK_THROWS_WITH(infofrag::synthesize(config), Catch::Contains("--discrete = '3,1'"));
  config.discrete = {3};
  config.dims = 2;
  CHECK_THROWS_WITH(infofrag::synthesize(config), Catch::Contains("--dims 2"));
  config.dims = 8;
  config.noise = {0.1, -1};
  CHECK_THROWS_AS(infofrag::synthesize(config), infofrag::ConfigError);
}

TEST_CASE("analyze uses the first fingerprint_size points", "[analyze]") {
  infofrag::SynthConfig synth;
  synth.points = 120;
  synth.members = 2;
  const auto embeddings = infofrag::synthesize(synth);
  infofrag::AnalyzeConfig config;
  config.progress = false;
  config.dtype = torch::kFloat64;
  config.fingerprint_size = 50;
  const auto first = infofrag::analyze(embeddings, config);
  CHECK(first.fingerprint_size == 50);
  config.fingerprint_size = 0;
  const auto sliced = infofrag::analyze(embeddings.first_points(50), config);
  CHECK(torch::allclose(first.similarity.nmi, sliced.similarity.nmi, 0, 1e-12));
  config.fingerprint_size = 121;
  CHECK_THROWS_WITH(infofrag::analyze(embeddings, config),
                    Catch::Contains("--fingerprint-size 121 exceeds the 120 points"));
}
