// MNIST-format data sets (MNIST, Fashion-MNIST, KMNIST, ...): the IDX file
// format, gzip-compressed or not, and a batch iterator for training.
//
//   auto train = activa::data::load_mnist(activa::data::kFashionMnistDir, activa::data::Split::train);
//   activa::data::Batches batches(train, 128, {.shuffle = true, .seed = 0});
//   while (batches.next()) { net(batches.input()); ... batches.labels() ... }
//
// IDX (http://yann.lecun.com/exdb/mnist/): bytes 0-1 zero, byte 2 the element
// type (0x08 = unsigned byte), byte 3 the number of dims D, then D big-endian
// u32 sizes, then the elements row-major. A file is read whole and checked:
// magic, type, dims, size (not truncated, no trailing bytes), and for gzip the
// stream's own CRC and length. Every failure is an activa::Error that names
// the file and the problem.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "activa/random.h"
#include "activa/tensor.h"

namespace activa::data {

// Debian's dataset-fashion-mnist package installs the four files here.
inline constexpr std::string_view kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// One IDX file of unsigned bytes: its dims and its elements.
struct Idx {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> data;
};
// Reads `path`, gzip-compressed (detected by its magic bytes) or not.
Idx read_idx(const std::string& path);

enum class Split : std::uint8_t { train, test };

// One split of an MNIST-format data set: count images of rows x cols bytes
// (0 = background), and their labels.
struct Mnist {
  std::int64_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> images;  // count * rows * cols, row-major
  std::vector<std::uint8_t> labels;  // count
  std::int64_t pixels() const { return rows * cols; }
  // 1 + the largest label (10 for MNIST and Fashion-MNIST).
  std::int64_t num_classes() const;
  // The first n samples (all if n >= count).
  Mnist head(std::int64_t n) const;
};

// Reads <dir>/train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]
// (Split::train) or the t10k-* pair (Split::test); the plain file is used if
// both exist. Checks that the pair agrees (3-D images, 1-D labels, one label
// per image).
Mnist load_mnist(const std::string& dir, Split split);

// The images as a [count, rows * cols] tensor scaled to [0, 1] (x / 255, as
// torchvision's ToTensor).
Tensor images_tensor(const Mnist& set, DType dtype = DType::float32);
// The labels as class indices.
std::vector<std::int64_t> labels_of(const Mnist& set);

struct BatchOptions {
  bool shuffle = false;            // a fresh permutation each epoch (reset())
  std::uint64_t seed = 0;          // of the shuffling generator
  bool drop_last = false;          // skip a final batch smaller than batch_size
  DType dtype = DType::float32;
};

// Batches of a data set, in order or shuffled; `set` must outlive it. The input and label buffers are
// allocated once and overwritten by each next(): a batch's tensors are valid
// until the next call (copy with clone() to keep one). Images are scaled to
// [0, 1] while they are gathered.
class Batches {
 public:
  Batches(const Mnist& set, std::int64_t batch_size, const BatchOptions& options = {});

  // Starts an epoch: reshuffles (when shuffling) and rewinds.
  void reset();
  // Gathers the next batch; false (and nothing gathered) at the end of an epoch.
  bool next();

  // The current batch: [size(), pixels] inputs and size() labels.
  const Tensor& input() const { return input_; }
  std::span<const std::int64_t> labels() const { return {labels_.data(), static_cast<std::size_t>(size_)}; }
  std::int64_t size() const { return size_; }
  std::int64_t batches_per_epoch() const;

 private:
  const Mnist* set_;
  std::int64_t batch_size_;
  BatchOptions options_;
  Generator gen_;
  std::vector<std::int64_t> order_;
  std::int64_t position_ = 0, size_ = 0;
  Tensor full_, tail_;  // the buffers of a full batch and of the short last one
  Tensor input_;        // full_ or tail_
  std::vector<std::int64_t> labels_;
};

}  // namespace activa::data
