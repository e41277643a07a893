#include "core/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/error.hpp"

namespace strata {

namespace {

std::string digest(const EVP_MD* md, const char* name, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1) {
    throw Error(ErrorKind::kInternal, std::string(name) + " failed");
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace

std::string sha1(std::string_view data) {
  return digest(EVP_sha1(), "SHA-1", data);
}

std::string sha256(std::string_view data) {
  return digest(EVP_sha256(), "SHA-256", data);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length)) {
    throw Error(ErrorKind::kInternal, "HMAC-SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace strata
