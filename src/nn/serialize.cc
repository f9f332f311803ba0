#include "activa/serialize.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string_view>

#include "activa/error.h"
#include "activa/functional.h"

namespace activa {
namespace {

static_assert(std::endian::native == std::endian::little, "the file format stores little-endian data as is");

constexpr unsigned char kMagic[8] = {0x89, 'A', 'C', 'T', 'I', 'V', 'A', '\n'};
constexpr std::size_t kHeaderSize = 24;  // magic, version, count, payload size
constexpr std::size_t kMaxDims = 8;

std::uint8_t dtype_code(DType d) { return d == DType::float32 ? 1 : 2; }

template <class U>
void put(std::string& out, U v) {
  for (std::size_t i = 0; i < sizeof(U); ++i) out += static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xFF);
}

std::uint32_t crc_of(const unsigned char* p, std::size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {  // zlib takes uInt lengths
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

// Reads the file's fields in order, every read bounds-checked.
class Reader {
 public:
  Reader(const std::string& bytes, std::size_t begin, std::size_t end, const std::string& path)
      : bytes_(bytes), pos_(begin), end_(end), path_(path) {}

  template <class U>
  U get(std::string_view what) {
    need(sizeof(U), what);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v |= std::uint64_t{static_cast<unsigned char>(bytes_[pos_ + i])} << (8 * i);
    pos_ += sizeof(U);
    return static_cast<U>(v);
  }
  std::string_view take(std::size_t n, std::string_view what) {
    need(n, what);
    std::string_view s(bytes_.data() + pos_, n);
    pos_ += n;
    return s;
  }
  bool done() const { return pos_ == end_; }
  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(path_ + ": " + problem + " (at byte " + std::to_string(pos_) + ")");
  }

 private:
  void need(std::size_t n, std::string_view what) const {
    if (end_ - pos_ < n) fail("malformed parameter file: " + std::string(what) + " runs past the end of the payload");
  }
  const std::string& bytes_;
  std::size_t pos_, end_;
  const std::string& path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open parameter file: " + std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path + ": read error");
  return bytes;
}

}  // namespace

void save_tensors(const NamedTensors& tensors, const std::string& path) {
  std::string payload;
  std::set<std::string> seen;
  for (const auto& [name, t] : tensors) {
    if (name.empty() || name.size() > 0xFFFF) throw Error("save: tensor name must have 1 to 65535 bytes");
    if (!seen.insert(name).second) throw Error("save: duplicate tensor name '" + name + "'");
    detail::check_defined(t, "save", "tensor '" + name + "'");
    if (t.shape().size() > kMaxDims) throw Error("save: tensor '" + name + "' has more than 8 dims");
    put<std::uint16_t>(payload, static_cast<std::uint16_t>(name.size()));
    payload += name;
    put<std::uint8_t>(payload, dtype_code(t.dtype()));
    put<std::uint8_t>(payload, static_cast<std::uint8_t>(t.shape().size()));
    for (std::int64_t d : t.shape()) put<std::int64_t>(payload, d);
    const std::size_t bytes = static_cast<std::size_t>(t.numel()) * (t.dtype() == DType::float32 ? 4 : 8);
    put<std::uint64_t>(payload, bytes);
    detail::with_dtype(t.dtype(), [&]<class T>() { payload.append(reinterpret_cast<const char*>(t.data<T>().data()), bytes); });
  }
  std::string file(reinterpret_cast<const char*>(kMagic), sizeof kMagic);
  put<std::uint32_t>(file, kParameterFileVersion);
  put<std::uint32_t>(file, static_cast<std::uint32_t>(tensors.size()));
  put<std::uint64_t>(file, payload.size());
  file += payload;
  put<std::uint32_t>(file, crc_of(reinterpret_cast<const unsigned char*>(file.data()), file.size()));

  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot write parameter file: " + std::strerror(errno));
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      throw Error(path + ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw Error(path + ": cannot write parameter file: " + ec.message());
  }
}

NamedTensors load_tensors(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    throw Error(path + ": not an activa parameter file (wrong magic bytes)");
  }
  if (bytes.size() < kHeaderSize + 4) {
    throw Error(path + ": truncated parameter file: " + std::to_string(bytes.size()) + " bytes, shorter than its header");
  }
  Reader header(bytes, sizeof kMagic, kHeaderSize, path);
  const auto version = header.get<std::uint32_t>("version");
  if (version == 0 || version > kParameterFileVersion) {
    throw Error(path + ": parameter file version " + std::to_string(version) + " is not one this activa reads (1 to " +
                std::to_string(kParameterFileVersion) + ")");
  }
  const auto count = header.get<std::uint32_t>("tensor count");
  const auto payload = header.get<std::uint64_t>("payload size");
  const std::uint64_t expected = kHeaderSize + payload + 4;
  if (payload > bytes.size() || bytes.size() != expected) {
    throw Error(path + ": " + (bytes.size() < expected ? "truncated" : "oversized") + " parameter file: " +
                std::to_string(bytes.size()) + " bytes, the header declares " + std::to_string(expected));
  }
  Reader crc_reader(bytes, bytes.size() - 4, bytes.size(), path);
  const auto stored_crc = crc_reader.get<std::uint32_t>("checksum");
  if (stored_crc != crc_of(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size() - 4)) {
    throw Error(path + ": checksum mismatch: the parameter file is corrupt");
  }

  Reader r(bytes, kHeaderSize, kHeaderSize + payload, path);
  NamedTensors out;
  std::set<std::string> seen;
  for (std::uint32_t k = 0; k < count; ++k) {
    const auto name_size = r.get<std::uint16_t>("name length");
    std::string name(r.take(name_size, "name"));
    if (name.empty() || !seen.insert(name).second) r.fail("empty or duplicate tensor name '" + name + "'");
    const auto code = r.get<std::uint8_t>("dtype");
    if (code != 1 && code != 2) r.fail("tensor '" + name + "' has unknown dtype code " + std::to_string(code));
    const DType dtype = code == 1 ? DType::float32 : DType::float64;
    const auto ndim = r.get<std::uint8_t>("ndim");
    if (ndim > kMaxDims) r.fail("tensor '" + name + "' has " + std::to_string(ndim) + " dims (at most 8)");
    Shape shape;
    std::uint64_t numel = 1;
    for (std::uint8_t d = 0; d < ndim; ++d) {
      const auto size = r.get<std::int64_t>("dims");
      if (size < 0 || (size > 0 && numel > payload / static_cast<std::uint64_t>(size))) {
        r.fail("tensor '" + name + "' has an impossible dim " + std::to_string(size));
      }
      numel *= static_cast<std::uint64_t>(size);
      shape.push_back(size);
    }
    const auto data_size = r.get<std::uint64_t>("data size");
    if (data_size != numel * (dtype == DType::float32 ? 4 : 8)) {
      r.fail("tensor '" + name + "' declares " + std::to_string(data_size) + " data bytes, its shape " +
             shape_string(shape) + " needs " + std::to_string(numel * (dtype == DType::float32 ? 4 : 8)));
    }
    const std::string_view data = r.take(static_cast<std::size_t>(data_size), "data");
    Tensor t = empty(shape, {.dtype = dtype});
    detail::with_dtype(dtype, [&]<class T>() { std::memcpy(t.data<T>().data(), data.data(), data.size()); });
    out.emplace_back(std::move(name), std::move(t));
  }
  if (!r.done()) r.fail("malformed parameter file: bytes left after the last of " + std::to_string(count) + " tensors");
  return out;
}

void save(const nn::Module& module, const std::string& path) { save_tensors(module.named_parameters(), path); }

void load(nn::Module& module, const std::string& path) {
  const NamedTensors file = load_tensors(path);
  const NamedTensors params = module.named_parameters();
  // Check everything first, so that a mismatch changes nothing.
  for (const auto& [name, p] : params) {
    const auto it = std::find_if(file.begin(), file.end(), [&](const auto& f) { return f.first == name; });
    if (it == file.end()) throw Error(path + ": the file lacks parameter '" + name + "' of the model");
    const Tensor& t = it->second;
    if (t.dtype() != p.dtype()) {
      throw Error(path + ": parameter '" + name + "' is " + std::string(dtype_name(t.dtype())) +
                  " in the file, " + std::string(dtype_name(p.dtype())) + " in the model");
    }
    if (t.shape() != p.shape()) {
      throw Error(path + ": parameter '" + name + "' has shape " + shape_string(t.shape()) + " in the file, " +
                  shape_string(p.shape()) + " in the model");
    }
  }
  for (const auto& [name, t] : file) {
    const auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
    if (it == params.end()) throw Error(path + ": the file has parameter '" + name + "', which the model lacks");
  }
  for (const auto& [name, p] : params) {
    const auto it = std::find_if(file.begin(), file.end(), [&](const auto& f) { return f.first == name; });
    Tensor dst = p;
    detail::with_dtype(p.dtype(), [&]<class T>() {
      std::memcpy(dst.data<T>().data(), it->second.data<T>().data(), static_cast<std::size_t>(p.numel()) * sizeof(T));
    });
  }
}

}  // namespace activa
