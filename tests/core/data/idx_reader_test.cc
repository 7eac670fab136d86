// Tests for load_idx: small IDX files (plain and gzipped) written to a temp
// directory, every error path, and the real Fashion-MNIST set when installed.
#include "core/data/idx_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data/partition.h"
#include "tests/core/data/expect_error.h"
#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

void put_u32(std::vector<uint8_t>* out, uint32_t v) {
  out->push_back(static_cast<uint8_t>(v >> 24));
  out->push_back(static_cast<uint8_t>(v >> 16));
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v));
}

std::vector<uint8_t> idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims,
                               const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out;
  put_u32(&out, magic);
  for (uint32_t d : dims) put_u32(&out, d);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void write_plain(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {  // fwrite's buffer must not be null
    ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  }
  std::fclose(f);
}

void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::vector<uint8_t> bytes;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return bytes;
  int c;
  while ((c = std::fgetc(f)) != EOF) bytes.push_back(static_cast<uint8_t>(c));
  std::fclose(f);
  return bytes;
}

// Three 2x2 images and their labels.
const std::vector<uint8_t> kPixels = {0, 255, 51, 102, 1, 2, 3, 4, 10, 20, 30, 40};
const std::vector<uint8_t> kLabels = {0, 2, 1};

std::vector<uint8_t> images_file() { return idx_bytes(0x00000803, {3, 2, 2}, kPixels); }
std::vector<uint8_t> labels_file() { return idx_bytes(0x00000801, {3}, kLabels); }

void expect_small_set(const Dataset& data, float scale) {
  EXPECT_EQ(data.size(), 3u);
  EXPECT_EQ(data.num_features, 4u);
  EXPECT_EQ(data.num_classes, 3u);
  ASSERT_EQ(data.features.size(), kPixels.size());
  for (size_t i = 0; i < kPixels.size(); ++i) {
    EXPECT_FLOAT_EQ(data.features[i], kPixels[i] * scale) << i;
  }
  EXPECT_EQ(data.labels, (std::vector<int32_t>{0, 2, 1}));
  EXPECT_TRUE(data.targets.empty());
}

TEST(IdxReader, ReadsPlainFiles) {
  TempDir dir("idx");
  write_plain(dir.file("img"), images_file());
  write_plain(dir.file("lbl"), labels_file());
  auto data = load_idx(dir.file("img"), dir.file("lbl"));
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  expect_small_set(*data, 1.0f / 255.0f);
  EXPECT_FLOAT_EQ(data->features[1], 1.0f);
}

TEST(IdxReader, ReadsGzipFilesAndMixedPairs) {
  TempDir dir("idx");
  write_gzip(dir.file("img.gz"), images_file());
  write_gzip(dir.file("lbl.gz"), labels_file());
  write_plain(dir.file("lbl"), labels_file());
  auto data = load_idx(dir.file("img.gz"), dir.file("lbl.gz"));
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  expect_small_set(*data, 1.0f / 255.0f);
  auto mixed = load_idx(dir.file("img.gz"), dir.file("lbl"));
  ASSERT_TRUE(mixed.is_ok()) << mixed.status().message();
  expect_small_set(*mixed, 1.0f / 255.0f);
}

TEST(IdxReader, AppliesScale) {
  TempDir dir("idx");
  write_plain(dir.file("img"), images_file());
  write_plain(dir.file("lbl"), labels_file());
  auto data = load_idx(dir.file("img"), dir.file("lbl"), 1.0f);
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  expect_small_set(*data, 1.0f);
}

TEST(IdxReader, AcceptsAnyNumberOfItemDimensions) {
  TempDir dir("idx");
  // One dimension: 2 items of 3 features.
  write_plain(dir.file("img1"), idx_bytes(0x00000802, {2, 3}, {1, 2, 3, 4, 5, 6}));
  write_plain(dir.file("lbl2"), idx_bytes(0x00000801, {2}, {4, 0}));
  auto flat = load_idx(dir.file("img1"), dir.file("lbl2"), 1.0f);
  ASSERT_TRUE(flat.is_ok()) << flat.status().message();
  EXPECT_EQ(flat->num_features, 3u);
  EXPECT_EQ(flat->size(), 2u);
  EXPECT_EQ(flat->num_classes, 5u);
  EXPECT_FLOAT_EQ(flat->row(1)[0], 4.0f);

  // Three dimensions: 2 items of 2x3x2 = 12 features.
  std::vector<uint8_t> pixels(24);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i);
  write_plain(dir.file("img3"), idx_bytes(0x00000804, {2, 2, 3, 2}, pixels));
  auto cube = load_idx(dir.file("img3"), dir.file("lbl2"), 1.0f);
  ASSERT_TRUE(cube.is_ok()) << cube.status().message();
  EXPECT_EQ(cube->num_features, 12u);
  EXPECT_EQ(cube->size(), 2u);
  EXPECT_FLOAT_EQ(cube->row(1)[0], 12.0f);
}

TEST(IdxReader, MissingFileIsNotFoundAndNamesTheFile) {
  TempDir dir("idx");
  write_plain(dir.file("img"), images_file());
  write_plain(dir.file("lbl"), labels_file());
  expect_error(load_idx(dir.file("nope-images"), dir.file("lbl")), StatusCode::kNotFound,
               "nope-images");
  expect_error(load_idx(dir.file("img"), dir.file("nope-labels")), StatusCode::kNotFound,
               "nope-labels");
}

TEST(IdxReader, EmptyPathIsInvalidArgument) {
  TempDir dir("idx");
  write_plain(dir.file("lbl"), labels_file());
  expect_error(load_idx("", dir.file("lbl")), StatusCode::kInvalidArgument, "images");
}

TEST(IdxReader, BadMagicIsDataLoss) {
  TempDir dir("idx");
  write_plain(dir.file("img"), images_file());
  write_plain(dir.file("lbl"), labels_file());
  // Files swapped: each has the other's magic.
  const auto swapped = load_idx(dir.file("lbl"), dir.file("img"));
  expect_error(swapped, StatusCode::kDataLoss, "magic");
  expect_error(swapped, StatusCode::kDataLoss, "lbl");

  write_plain(dir.file("bad-lbl"), idx_bytes(0x00000803, {3}, kLabels));
  expect_error(load_idx(dir.file("img"), dir.file("bad-lbl")), StatusCode::kDataLoss, "bad-lbl");

  // Element type 0x0D (float) is not supported.
  write_plain(dir.file("float-img"), idx_bytes(0x00000D03, {3, 2, 2}, kPixels));
  expect_error(load_idx(dir.file("float-img"), dir.file("lbl")), StatusCode::kDataLoss, "");

  // Text, not IDX at all.
  write_plain(dir.file("text"), {'h', 'e', 'l', 'l', 'o', '\n'});
  expect_error(load_idx(dir.file("text"), dir.file("lbl")), StatusCode::kDataLoss, "");
}

TEST(IdxReader, TruncatedHeaderIsDataLoss) {
  TempDir dir("idx");
  write_plain(dir.file("lbl"), labels_file());
  write_plain(dir.file("short"), {0, 0, 8});
  expect_error(load_idx(dir.file("short"), dir.file("lbl")), StatusCode::kDataLoss, "truncated");

  std::vector<uint8_t> partial = images_file();
  partial.resize(10);  // magic, count, half a dimension
  write_plain(dir.file("partial"), partial);
  expect_error(load_idx(dir.file("partial"), dir.file("lbl")), StatusCode::kDataLoss, "");

  write_plain(dir.file("empty"), {});
  expect_error(load_idx(dir.file("empty"), dir.file("lbl")), StatusCode::kDataLoss, "");
}

TEST(IdxReader, TruncatedPayloadIsDataLoss) {
  TempDir dir("idx");
  std::vector<uint8_t> images = images_file();
  images.pop_back();
  write_plain(dir.file("img"), images);
  write_gzip(dir.file("img.gz"), images);
  write_plain(dir.file("lbl"), labels_file());
  for (const char* name : {"img", "img.gz"}) {
    auto data = load_idx(dir.file(name), dir.file("lbl"));
    ASSERT_FALSE(data.is_ok()) << name;
    EXPECT_EQ(data.status().code(), StatusCode::kDataLoss) << name;
    EXPECT_NE(std::string(data.status().message()).find("truncated"), std::string::npos)
        << data.status().message();
  }
  std::vector<uint8_t> labels = labels_file();
  labels.pop_back();
  write_plain(dir.file("short-lbl"), labels);
  write_plain(dir.file("full-img"), images_file());
  expect_error(load_idx(dir.file("full-img"), dir.file("short-lbl")), StatusCode::kDataLoss,
               "short-lbl");
}

TEST(IdxReader, CutGzipStreamIsDataLoss) {
  TempDir dir("idx");
  // Enough varied bytes that the compressed stream is long enough to cut.
  std::vector<uint8_t> pixels(3 * 64 * 64);
  uint32_t x = 12345;
  for (auto& p : pixels) p = static_cast<uint8_t>((x = x * 1103515245u + 12345u) >> 24);
  write_gzip(dir.file("img.gz"), idx_bytes(0x00000803, {3, 64, 64}, pixels));
  write_plain(dir.file("lbl"), labels_file());
  std::vector<uint8_t> compressed = read_all(dir.file("img.gz"));
  ASSERT_GT(compressed.size(), 200u);
  compressed.resize(compressed.size() / 2);
  write_plain(dir.file("cut.gz"), compressed);
  auto data = load_idx(dir.file("cut.gz"), dir.file("lbl"));
  ASSERT_FALSE(data.is_ok());
  EXPECT_EQ(data.status().code(), StatusCode::kDataLoss) << data.status().message();
}

TEST(IdxReader, TrailingBytesAreDataLoss) {
  TempDir dir("idx");
  std::vector<uint8_t> images = images_file();
  images.push_back(7);
  write_plain(dir.file("img"), images);
  write_plain(dir.file("lbl"), labels_file());
  expect_error(load_idx(dir.file("img"), dir.file("lbl")), StatusCode::kDataLoss, "");
}

TEST(IdxReader, CountMismatchIsInvalidArgument) {
  TempDir dir("idx");
  write_plain(dir.file("img"), images_file());
  write_plain(dir.file("lbl"), idx_bytes(0x00000801, {2}, {0, 1}));
  auto data = load_idx(dir.file("img"), dir.file("lbl"));
  ASSERT_FALSE(data.is_ok());
  EXPECT_EQ(data.status().code(), StatusCode::kInvalidArgument);
  const std::string message = data.status().message();
  EXPECT_NE(message.find("3 images"), std::string::npos) << message;
  EXPECT_NE(message.find("2 labels"), std::string::npos) << message;
}

TEST(IdxReader, AbsurdHeaderFailsWithoutAllocating) {
  TempDir dir("idx");
  // 2^32-1 items of 28x28: over the 2 GiB bound, refused from the header alone.
  write_plain(dir.file("huge"), idx_bytes(0x00000803, {0xFFFFFFFFu, 28, 28}, {1, 2, 3}));
  write_plain(dir.file("huge-lbl"), idx_bytes(0x00000801, {0xFFFFFFFFu}, {1, 2, 3}));
  expect_error(load_idx(dir.file("huge"), dir.file("huge-lbl")), StatusCode::kDataLoss, "");

  // Item size overflowing 64 bits if multiplied blindly.
  write_plain(dir.file("wide"),
              idx_bytes(0x00000805, {1, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 2}, {1}));
  write_plain(dir.file("one-lbl"), idx_bytes(0x00000801, {1}, {1}));
  expect_error(load_idx(dir.file("wide"), dir.file("one-lbl")), StatusCode::kDataLoss, "");

  // Under the bound (1.5 GB claimed) but the file is tiny: reading in chunks
  // finds the truncation after a few bytes instead of allocating 6 GB of floats.
  write_plain(dir.file("liar"), idx_bytes(0x00000803, {2000000, 28, 28}, {1, 2, 3}));
  write_plain(dir.file("liar-lbl"), idx_bytes(0x00000801, {2000000}, {1, 2, 3}));
  expect_error(load_idx(dir.file("liar"), dir.file("liar-lbl")), StatusCode::kDataLoss,
               "truncated");
}

TEST(IdxReader, ZeroDimensionAndZeroCountAreRefused) {
  TempDir dir("idx");
  write_plain(dir.file("flat"), idx_bytes(0x00000803, {3, 0, 2}, {}));
  write_plain(dir.file("lbl"), labels_file());
  expect_error(load_idx(dir.file("flat"), dir.file("lbl")), StatusCode::kDataLoss, "");

  write_plain(dir.file("none"), idx_bytes(0x00000803, {0, 2, 2}, {}));
  write_plain(dir.file("none-lbl"), idx_bytes(0x00000801, {0}, {}));
  expect_error(load_idx(dir.file("none"), dir.file("none-lbl")), StatusCode::kInvalidArgument, "");
}

TEST(IdxReader, LongPathsKeepTheBaseNameInTheMessage) {
  TempDir dir("idx");
  const std::string deep = dir.file(std::string(150, 'd'));
  std::filesystem::create_directories(deep);
  write_plain(dir.file("lbl"), labels_file());
  auto data = load_idx(deep + "/missing-images.gz", dir.file("lbl"));
  ASSERT_FALSE(data.is_ok());
  EXPECT_NE(std::string(data.status().message()).find("missing-images.gz"), std::string::npos)
      << data.status().message();
}

// MNIST and Fashion-MNIST files share names: only the directory tells which is missing.
TEST(IdxReader, MissingFileMessageNamesTheFullPath) {
  TempDir dir("idx");
  write_plain(dir.file("lbl"), labels_file());
  const std::string missing = dir.file(std::string(150, 'd')) + "/t10k-images-idx3-ubyte.gz";
  auto data = load_idx(missing, dir.file("lbl"));
  ASSERT_FALSE(data.is_ok());
  EXPECT_NE(std::string(data.status().message()).find("cannot open " + missing + ": "),
            std::string::npos)
      << data.status().message();
}

TEST(IdxReader, FashionMnistPaths) {
  const IdxPaths train = fashion_mnist_paths("/data", true);
  EXPECT_EQ(train.images, "/data/train-images-idx3-ubyte.gz");
  EXPECT_EQ(train.labels, "/data/train-labels-idx1-ubyte.gz");
  const IdxPaths test = fashion_mnist_paths("/data", false);
  EXPECT_EQ(test.images, "/data/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(test.labels, "/data/t10k-labels-idx1-ubyte.gz");
}

TEST(IdxReader, LoadsRealFashionMnistTrainSet) {
  if (!std::filesystem::exists(kFashionMnistDir)) {
    GTEST_SKIP() << kFashionMnistDir << " not installed (Debian: dataset-fashion-mnist)";
  }
  const IdxPaths paths = fashion_mnist_paths(kFashionMnistDir, /*train=*/true);
  auto data = load_idx(paths.images, paths.labels);
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  ASSERT_EQ(data->size(), 60000u);
  EXPECT_EQ(data->num_features, 784u);
  EXPECT_EQ(data->num_classes, 10u);
  ASSERT_EQ(data->labels.size(), 60000u);
  std::vector<int> per_class(10, 0);
  for (int32_t label : data->labels) {
    ASSERT_GE(label, 0);
    ASSERT_LT(label, 10);
    ++per_class[label];
  }
  for (int count : per_class) EXPECT_EQ(count, 6000);
  float lo = 1.0f, hi = 0.0f;
  for (float v : data->features) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);

  // McMahan shards on balanced classes: 20 shards of 3000 each lie inside one
  // class, so each of the 10 clients sees at most 2 labels.
  PartitionSpec spec;
  spec.scheme = PartitionScheme::kLabelShards;
  spec.num_clients = 10;
  spec.shards_per_client = 2;
  auto parts = partition(*data, spec);
  ASSERT_TRUE(parts.is_ok()) << parts.status().message();
  for (const auto& part : *parts) {
    EXPECT_EQ(part.size(), 6000u);
    std::vector<bool> seen(10, false);
    for (uint32_t i : part) seen[data->labels[i]] = true;
    EXPECT_LE(std::count(seen.begin(), seen.end(), true), 2);
  }
}

}  // namespace
}  // namespace fedgate
