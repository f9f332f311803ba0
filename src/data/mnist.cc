#include "activa/data/mnist.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "activa/error.h"
#include "activa/functional.h"

namespace activa::data {
namespace {

// Larger than any MNIST-format file (Fashion-MNIST's train images: 47 MB);
// guards against allocating what a corrupt header claims.
constexpr std::uint64_t kMaxIdxBytes = std::uint64_t{1} << 32;

std::string type_name(unsigned code) {
  switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "unknown";
  }
}

// A file read through zlib, which reads plain files as they are.
class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path) {
    file_ = gzopen(path.c_str(), "rb");
    if (!file_) throw Error(path + ": cannot open: " + std::strerror(errno ? errno : ENOENT));
    gzbuffer(file_, 1 << 17);
  }
  ~GzFile() {
    if (file_) gzclose(file_);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads up to n bytes; returns how many. Throws on a zlib error (corrupt data, bad CRC).
  std::size_t read(void* dst, std::size_t n) {
    std::size_t total = 0;
    auto* p = static_cast<unsigned char*>(dst);
    while (total < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 30));
      const int got = gzread(file_, p + total, chunk);
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(file_, &code);
        throw Error(path_ + ": corrupt or unreadable data (" + std::string(message ? message : "zlib error") + ")");
      }
      if (got == 0) {
        int code = 0;
        const char* message = gzerror(file_, &code);
        if (code != Z_OK && code != Z_BUF_ERROR) {
          throw Error(path_ + ": corrupt or unreadable data (" + std::string(message ? message : "zlib error") + ")");
        }
        if (code == Z_BUF_ERROR) throw Error(path_ + ": truncated gzip stream (" + std::string(message) + ")");
        break;
      }
      total += static_cast<std::size_t>(got);
    }
    return total;
  }
  bool compressed() const { return gzdirect(file_) == 0; }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

std::string find_file(const std::string& dir, const std::string& base) {
  namespace fs = std::filesystem;
  const fs::path plain = fs::path(dir) / base, gz = fs::path(dir) / (base + ".gz");
  if (fs::exists(plain)) return plain.string();
  if (fs::exists(gz)) return gz.string();
  if (!fs::is_directory(dir)) throw Error(dir + ": no such data directory");
  throw Error(dir + ": no " + base + " or " + base + ".gz (an MNIST-format data set has "
              "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
              "each optionally gzipped)");
}

}  // namespace

Idx read_idx(const std::string& path) {
  GzFile f(path);
  unsigned char magic[4];
  const std::size_t got = f.read(magic, 4);
  if (got < 4) throw Error(path + ": truncated IDX file: " + std::to_string(got) + " bytes, no complete header");
  if (magic[0] != 0 || magic[1] != 0) {
    throw Error(path + ": not an IDX file (its first two bytes must be zero; wrong file or format?)");
  }
  if (magic[2] != 0x08) {
    throw Error(path + ": IDX element type 0x" + (magic[2] < 16 ? "0" : "") +
                [&] { char b[8]; std::snprintf(b, sizeof b, "%X", magic[2]); return std::string(b); }() + " (" +
                type_name(magic[2]) + ") is not supported: MNIST-format files hold unsigned bytes (0x08)");
  }
  const unsigned ndim = magic[3];
  if (ndim == 0 || ndim > 4) throw Error(path + ": IDX file declares " + std::to_string(ndim) + " dims (expected 1 to 4)");
  Idx idx;
  std::uint64_t total = 1;
  for (unsigned d = 0; d < ndim; ++d) {
    unsigned char b[4];
    if (f.read(b, 4) < 4) throw Error(path + ": truncated IDX file: the header ends inside its dims");
    const std::uint64_t size = (std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) | (std::uint64_t{b[2]} << 8) | b[3];
    total *= size;
    if (total > kMaxIdxBytes) throw Error(path + ": IDX header declares more than 4 GiB of data (corrupt header?)");
    idx.dims.push_back(static_cast<std::int64_t>(size));
  }
  idx.data.resize(static_cast<std::size_t>(total));
  const std::size_t n = f.read(idx.data.data(), idx.data.size());
  if (n < idx.data.size()) {
    throw Error(path + ": truncated IDX file: " + std::to_string(n) + " of the " + std::to_string(idx.data.size()) +
                " data bytes its header declares");
  }
  unsigned char extra[4096];
  std::size_t trailing = 0;
  for (std::size_t k; (k = f.read(extra, sizeof extra)) > 0;) trailing += k;
  if (trailing > 0) {
    throw Error(path + ": " + std::to_string(trailing) + " bytes after the data its header declares (wrong header?)");
  }
  return idx;
}

std::int64_t Mnist::num_classes() const {
  return labels.empty() ? 0 : 1 + *std::max_element(labels.begin(), labels.end());
}

Mnist Mnist::head(std::int64_t n) const {
  Mnist h = *this;
  h.count = std::clamp<std::int64_t>(n, 0, count);
  h.images.resize(static_cast<std::size_t>(h.count * pixels()));
  h.labels.resize(static_cast<std::size_t>(h.count));
  return h;
}

Mnist load_mnist(const std::string& dir, Split split) {
  const std::string prefix = split == Split::train ? "train" : "t10k";
  const std::string images_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  Idx images = read_idx(images_path);
  Idx labels = read_idx(labels_path);
  if (images.dims.size() != 3) {
    throw Error(images_path + ": an image file must be 3-D [count, rows, cols], this one has " +
                std::to_string(images.dims.size()) + " dims (a label file?)");
  }
  if (labels.dims.size() != 1) {
    throw Error(labels_path + ": a label file must be 1-D [count], this one has " + std::to_string(labels.dims.size()) +
                " dims (an image file?)");
  }
  if (images.dims[0] != labels.dims[0]) {
    throw Error(labels_path + ": holds " + std::to_string(labels.dims[0]) + " labels but " + images_path + " holds " +
                std::to_string(images.dims[0]) + " images");
  }
  Mnist m;
  m.count = images.dims[0];
  m.rows = images.dims[1];
  m.cols = images.dims[2];
  m.images = std::move(images.data);
  m.labels = std::move(labels.data);
  return m;
}

Tensor images_tensor(const Mnist& set, DType dtype) {
  Tensor t = empty({set.count, set.pixels()}, {.dtype = dtype});
  activa::detail::with_dtype(dtype, [&]<class T>() {
    T* p = t.data<T>().data();
    for (std::size_t i = 0; i < set.images.size(); ++i) p[i] = static_cast<T>(set.images[i]) / T(255);
  });
  return t;
}

std::vector<std::int64_t> labels_of(const Mnist& set) { return {set.labels.begin(), set.labels.end()}; }

// ---- Batches ----

Batches::Batches(const Mnist& set, std::int64_t batch_size, const BatchOptions& options)
    : set_(&set), batch_size_(batch_size), options_(options), gen_(options.seed) {
  if (batch_size < 1) throw Error("batch size must be >= 1, got " + std::to_string(batch_size));
  order_.resize(static_cast<std::size_t>(set.count));
  full_ = empty({batch_size, set.pixels()}, {.dtype = options.dtype});
  labels_.resize(static_cast<std::size_t>(batch_size));
  reset();
}

void Batches::reset() {
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<std::int64_t>(i);
  if (options_.shuffle) gen_.shuffle(std::span(order_));
  position_ = 0;
  size_ = 0;
}

std::int64_t Batches::batches_per_epoch() const {
  return options_.drop_last ? set_->count / batch_size_ : (set_->count + batch_size_ - 1) / batch_size_;
}

bool Batches::next() {
  const std::int64_t left = set_->count - position_;
  const std::int64_t n = std::min(left, batch_size_);
  if (n <= 0 || (options_.drop_last && n < batch_size_)) {
    size_ = 0;
    return false;
  }
  if (n == batch_size_) {
    input_ = full_;
  } else {
    if (!tail_.defined()) tail_ = empty({n, set_->pixels()}, {.dtype = options_.dtype});
    input_ = tail_;
  }
  const std::int64_t pixels = set_->pixels();
  activa::detail::with_dtype(options_.dtype, [&]<class T>() {
    T* dst = input_.data<T>().data();
    for (std::int64_t b = 0; b < n; ++b) {
      const std::int64_t s = order_[static_cast<std::size_t>(position_ + b)];
      const std::uint8_t* src = set_->images.data() + s * pixels;
      T* row = dst + b * pixels;
      for (std::int64_t j = 0; j < pixels; ++j) row[j] = static_cast<T>(src[j]) / T(255);
      labels_[static_cast<std::size_t>(b)] = set_->labels[static_cast<std::size_t>(s)];
    }
  });
  position_ += n;
  size_ = n;
  return true;
}

}  // namespace activa::data
