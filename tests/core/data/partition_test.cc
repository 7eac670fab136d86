// Tests for partition() and subset(): coverage and disjointness for every
// scheme, determinism by seed, the shape each scheme promises, and errors.
#include "core/data/partition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>

namespace fedgate {
namespace {

using Parts = std::vector<std::vector<uint32_t>>;

// n samples with one feature (the sample index); label i % classes, or
// regression targets when classes == 0.
Dataset make_data(uint32_t n, uint32_t classes) {
  Dataset data;
  data.num_features = 1;
  data.num_classes = classes;
  for (uint32_t i = 0; i < n; ++i) {
    data.features.push_back(static_cast<float>(i));
    if (classes > 0) {
      data.labels.push_back(static_cast<int32_t>(i % classes));
    } else {
      data.targets.push_back(0.5f * i);
    }
  }
  return data;
}

PartitionSpec make_spec(PartitionScheme scheme, uint32_t clients, uint64_t seed = 1) {
  PartitionSpec spec;
  spec.scheme = scheme;
  spec.num_clients = clients;
  spec.seed = seed;
  return spec;
}

// Every list sorted and non-empty, lists disjoint, union = all samples.
void expect_exact_cover(const Parts& parts, uint32_t n, uint32_t clients) {
  ASSERT_EQ(parts.size(), clients);
  std::vector<int> owners(n, 0);
  for (const auto& part : parts) {
    EXPECT_FALSE(part.empty());
    EXPECT_TRUE(std::is_sorted(part.begin(), part.end()));
    for (uint32_t i : part) {
      ASSERT_LT(i, n);
      ++owners[i];
    }
  }
  for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(owners[i], 1) << "sample " << i;
}

size_t distinct_labels(const Dataset& data, const std::vector<uint32_t>& part) {
  std::set<int32_t> labels;
  for (uint32_t i : part) labels.insert(data.labels[i]);
  return labels.size();
}

// Mean over clients of the largest single-class share of the client's data.
double mean_max_class_fraction(const Dataset& data, const Parts& parts) {
  double total = 0;
  for (const auto& part : parts) {
    std::vector<size_t> counts(data.num_classes, 0);
    for (uint32_t i : part) ++counts[data.labels[i]];
    total += static_cast<double>(*std::max_element(counts.begin(), counts.end())) / part.size();
  }
  return total / parts.size();
}

Parts run(const Dataset& data, const PartitionSpec& spec) {
  auto parts = partition(data, spec);
  EXPECT_TRUE(parts.is_ok()) << parts.status().message();
  return parts.is_ok() ? *parts : Parts{};
}

template <typename T>
void expect_error(const Result<T>& result, const std::string& needle) {
  ASSERT_FALSE(result.is_ok()) << "expected an error containing '" << needle << "'";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(result.status().message()).find(needle), std::string::npos)
      << "message: " << result.status().message() << "\nwanted: " << needle;
}

const PartitionScheme kAllSchemes[] = {PartitionScheme::kIid, PartitionScheme::kLabelShards,
                                       PartitionScheme::kDirichlet};

TEST(PartitionScheme, ParsesAndNamesEveryScheme) {
  for (PartitionScheme scheme : kAllSchemes) {
    auto parsed = parse_partition_scheme(partition_scheme_name(scheme));
    ASSERT_TRUE(parsed.is_ok());
    EXPECT_EQ(*parsed, scheme);
  }
  EXPECT_STREQ(partition_scheme_name(PartitionScheme::kLabelShards), "shards");
  expect_error(parse_partition_scheme("IID"), "iid, shards, dirichlet");
  expect_error(parse_partition_scheme(""), "allowed");
}

TEST(Partition, EveryScheme_CoversAllSamplesExactlyOnce) {
  struct Case {
    uint32_t n, classes, clients;
  };
  const Case cases[] = {{1, 1, 1},      {10, 2, 1},      {10, 3, 10}, {101, 10, 7},
                        {1000, 10, 10}, {1000, 10, 100}, {997, 4, 13}};
  for (PartitionScheme scheme : kAllSchemes) {
    for (const Case& c : cases) {
      const Dataset data = make_data(c.n, c.classes);
      PartitionSpec spec = make_spec(scheme, c.clients, 42);
      spec.shards_per_client = 1;
      SCOPED_TRACE(std::string(partition_scheme_name(scheme)) + " n=" + std::to_string(c.n) +
                   " clients=" + std::to_string(c.clients));
      expect_exact_cover(run(data, spec), c.n, c.clients);
    }
  }
}

TEST(Partition, EveryScheme_IsDeterministicBySeed) {
  const Dataset data = make_data(500, 5);
  for (PartitionScheme scheme : kAllSchemes) {
    SCOPED_TRACE(partition_scheme_name(scheme));
    const Parts a = run(data, make_spec(scheme, 8, 7));
    const Parts b = run(data, make_spec(scheme, 8, 7));
    const Parts c = run(data, make_spec(scheme, 8, 8));
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
  }
}

// Pins the exact output for fixed seeds. Every architecture (x86-64, aarch64,
// armhf) must compute the same split, since each client derives its own share
// independently; a change here means clients on different builds disagree.
TEST(Partition, EveryScheme_MatchesGoldenFingerprint) {
  const Dataset data = make_data(1000, 10);
  auto fingerprint = [](const Parts& parts) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a over (client, index) pairs
    for (uint32_t c = 0; c < parts.size(); ++c) {
      for (uint32_t i : parts[c]) {
        h = (h ^ c) * 1099511628211ull;
        h = (h ^ i) * 1099511628211ull;
      }
    }
    return h;
  };
  PartitionSpec dirichlet = make_spec(PartitionScheme::kDirichlet, 10, 3);
  dirichlet.dirichlet_alpha = 0.3;
  EXPECT_EQ(fingerprint(run(data, make_spec(PartitionScheme::kIid, 10, 3))),
            7280076149418722163ull);
  EXPECT_EQ(fingerprint(run(data, make_spec(PartitionScheme::kLabelShards, 10, 3))),
            7688428420247301699ull);
  EXPECT_EQ(fingerprint(run(data, dirichlet)), 3913658076873403456ull);
}

TEST(Partition, Iid_SizesDifferByAtMostOne) {
  const Dataset data = make_data(1003, 10);
  const Parts parts = run(data, make_spec(PartitionScheme::kIid, 10));
  size_t lo = data.size(), hi = 0;
  for (const auto& part : parts) {
    lo = std::min(lo, part.size());
    hi = std::max(hi, part.size());
  }
  EXPECT_LE(hi - lo, 1u);
  EXPECT_EQ(lo, 100u);
  // Shuffled, not dealt out in order.
  EXPECT_NE(parts[0].back(), 99u);
}

TEST(Partition, Iid_WorksOnRegressionData) {
  const Dataset data = make_data(50, 0);
  expect_exact_cover(run(data, make_spec(PartitionScheme::kIid, 5)), 50, 5);
}

TEST(Partition, Shards_AlignedWithClassesGiveShardsPerClientLabels) {
  // 10 classes of 100; 20 shards of 50 each lie inside one class, so a client
  // holding 2 shards sees at most 2 labels (not 4).
  const Dataset data = make_data(1000, 10);
  PartitionSpec spec = make_spec(PartitionScheme::kLabelShards, 10);
  spec.shards_per_client = 2;
  const Parts parts = run(data, spec);
  expect_exact_cover(parts, 1000, 10);
  size_t total_labels = 0;
  for (const auto& part : parts) {
    EXPECT_EQ(part.size(), 100u);
    EXPECT_LE(distinct_labels(data, part), 2u);
    total_labels += distinct_labels(data, part);
  }
  EXPECT_LT(total_labels, 20u * 10u / 5u);  // far from IID, where each client sees all 10
}

TEST(Partition, Shards_UnalignedShardsSpanAtMostTwoLabels) {
  // 21 shards of 47-48 samples over classes of 100: a shard straddles at most
  // one class boundary, so a client with 3 shards sees at most 2 * 3 labels.
  const Dataset data = make_data(1000, 10);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    PartitionSpec spec = make_spec(PartitionScheme::kLabelShards, 7, seed);
    spec.shards_per_client = 3;
    const Parts parts = run(data, spec);
    expect_exact_cover(parts, 1000, 7);
    for (const auto& part : parts) {
      EXPECT_LE(distinct_labels(data, part), 6u);
      EXPECT_GE(part.size(), 3u * (1000 / 21));
      EXPECT_LE(part.size(), 3u * (1000 / 21 + 1));
    }
  }
}

TEST(Partition, Dirichlet_SmallAlphaIsMoreSkewedThanLargeAlpha) {
  const Dataset data = make_data(10000, 10);
  PartitionSpec skewed = make_spec(PartitionScheme::kDirichlet, 10, 5);
  skewed.dirichlet_alpha = 0.1;
  PartitionSpec even = skewed;
  even.dirichlet_alpha = 100;
  const Parts skewed_parts = run(data, skewed);
  const Parts even_parts = run(data, even);
  expect_exact_cover(skewed_parts, 10000, 10);
  expect_exact_cover(even_parts, 10000, 10);
  const double skew_small = mean_max_class_fraction(data, skewed_parts);
  const double skew_large = mean_max_class_fraction(data, even_parts);
  EXPECT_GT(skew_small, 0.5);
  EXPECT_LT(skew_large, 0.2);  // 0.1 would be perfectly balanced
  // Large alpha also balances sizes: every client near 1000 samples.
  for (const auto& part : even_parts) {
    EXPECT_GT(part.size(), 700u);
    EXPECT_LT(part.size(), 1300u);
  }
}

TEST(Partition, Dirichlet_ProportionsAverageOutToUniform) {
  // E[p_c] = 1/k for Dir(alpha): averaged over many draws every client gets
  // about n/k samples, whatever alpha (checks the gamma sampler's balance).
  const Dataset data = make_data(2000, 4);
  for (double alpha : {0.2, 1.0, 5.0}) {
    std::vector<double> share(4, 0.0);
    const int draws = 200;
    for (int s = 0; s < draws; ++s) {
      PartitionSpec spec = make_spec(PartitionScheme::kDirichlet, 4, 1000 + s);
      spec.dirichlet_alpha = alpha;
      const Parts parts = run(data, spec);
      for (int c = 0; c < 4; ++c) share[c] += parts[c].size() / 2000.0 / draws;
    }
    for (int c = 0; c < 4; ++c) EXPECT_NEAR(share[c], 0.25, 0.05) << "alpha " << alpha;
  }
}

TEST(Partition, Dirichlet_EveryClientGetsDataEvenWhenNearlyOnePerClient) {
  for (double alpha : {1e-6, 0.1, 1.0}) {
    const Dataset data = make_data(12, 3);
    PartitionSpec spec = make_spec(PartitionScheme::kDirichlet, 12);
    spec.dirichlet_alpha = alpha;
    const Parts parts = run(data, spec);
    expect_exact_cover(parts, 12, 12);
    for (const auto& part : parts) EXPECT_EQ(part.size(), 1u);
  }
}

TEST(Partition, Dirichlet_ExtremeAlphasStayValid) {
  const Dataset data = make_data(300, 3);
  for (double alpha : {1e-300, 1e-3, 1e6}) {
    PartitionSpec spec = make_spec(PartitionScheme::kDirichlet, 5);
    spec.dirichlet_alpha = alpha;
    SCOPED_TRACE(alpha);
    expect_exact_cover(run(data, spec), 300, 5);
  }
}

TEST(Partition, Errors_NameTheParameterAndRange) {
  const Dataset data = make_data(10, 2);
  expect_error(partition(data, make_spec(PartitionScheme::kIid, 0)), "num_clients must be in 1..");
  expect_error(partition(data, make_spec(PartitionScheme::kIid, 11)),
               "num_clients must be in 1..10");
  expect_error(partition(Dataset{}, make_spec(PartitionScheme::kIid, 1)), "no samples");

  const Dataset regression = make_data(10, 0);
  expect_error(partition(regression, make_spec(PartitionScheme::kLabelShards, 2)),
               "'shards' partition needs class labels");
  expect_error(partition(regression, make_spec(PartitionScheme::kDirichlet, 2)),
               "'dirichlet' partition needs class labels");

  PartitionSpec no_shards = make_spec(PartitionScheme::kLabelShards, 2);
  no_shards.shards_per_client = 0;
  expect_error(partition(data, no_shards), "shards_per_client must be in 1..5");
  PartitionSpec many_shards = make_spec(PartitionScheme::kLabelShards, 3);
  many_shards.shards_per_client = 4;  // 12 shards of 10 samples
  expect_error(partition(data, many_shards), "shards_per_client must be in 1..3");

  for (double alpha : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    PartitionSpec spec = make_spec(PartitionScheme::kDirichlet, 2);
    spec.dirichlet_alpha = alpha;
    expect_error(partition(data, spec), "dirichlet_alpha must be finite and > 0");
  }

  Dataset bad_label = data;
  bad_label.labels[3] = 2;
  expect_error(partition(bad_label, make_spec(PartitionScheme::kDirichlet, 2)),
               "label 2 of sample 3 not in 0..1");
  Dataset short_labels = data;
  short_labels.labels.pop_back();
  expect_error(partition(short_labels, make_spec(PartitionScheme::kLabelShards, 2)),
               "9 labels for 10 samples");
}

TEST(Subset, CopiesRowsLabelsAndTargets) {
  Dataset data;
  data.num_features = 2;
  data.num_classes = 3;
  data.features = {0, 1, 10, 11, 20, 21, 30, 31};
  data.labels = {0, 1, 2, 0};
  const std::vector<uint32_t> pick = {3, 1};
  const Dataset sub = subset(data, pick);
  EXPECT_EQ(sub.num_features, 2u);
  EXPECT_EQ(sub.num_classes, 3u);
  EXPECT_EQ(sub.size(), 2u);
  EXPECT_EQ(sub.features, (std::vector<float>{30, 31, 10, 11}));
  EXPECT_EQ(sub.labels, (std::vector<int32_t>{0, 1}));
  EXPECT_TRUE(sub.targets.empty());

  Dataset regression = make_data(5, 0);
  const std::vector<uint32_t> two = {4, 0};
  const Dataset reg_sub = subset(regression, two);
  EXPECT_EQ(reg_sub.features, (std::vector<float>{4, 0}));
  EXPECT_EQ(reg_sub.targets, (std::vector<float>{2.0f, 0.0f}));
  EXPECT_TRUE(reg_sub.labels.empty());

  EXPECT_EQ(subset(data, Span<const uint32_t>()).size(), 0u);
}

}  // namespace
}  // namespace fedgate
