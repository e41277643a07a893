#include "serve/auth/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"

namespace strata::serve::auth {

namespace {

constexpr long kValidSeconds = 10L * 365 * 24 * 3600;

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown TLS error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* pointer) const { Free(pointer); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

struct File {
  FILE* handle = nullptr;
  ~File() {
    if (handle) std::fclose(handle);
  }
};

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (!extension || X509_add_ext(cert, extension, -1) != 1) {
    X509_EXTENSION_free(extension);
    throw Error(ErrorKind::kInternal, "cannot make the TLS certificate: " + openssl_error());
  }
  X509_EXTENSION_free(extension);
}

void generate_self_signed(const TlsFiles& files) {
  KeyPtr key(EVP_EC_gen("P-256"));
  CertPtr cert(X509_new());
  if (!key || !cert) throw Error(ErrorKind::kInternal, "cannot make a TLS key: " + openssl_error());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert.get()));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidSeconds);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("strata"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    throw Error(ErrorKind::kInternal, "cannot sign the TLS certificate: " + openssl_error());
  }
  std::filesystem::create_directories(files.key.parent_path());
  // The key file is created readable by its owner only, before anything is written to it.
  const std::filesystem::path key_temp = files.key.string() + ".tmp";
  const mode_t old_mask = ::umask(077);
  File key_file{std::fopen(key_temp.c_str(), "wb")};
  ::umask(old_mask);
  const std::filesystem::path cert_temp = files.cert.string() + ".tmp";
  File cert_file{std::fopen(cert_temp.c_str(), "wb")};
  if (!key_file.handle || !cert_file.handle ||
      PEM_write_PrivateKey(key_file.handle, key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_X509(cert_file.handle, cert.get()) != 1 || std::fflush(key_file.handle) != 0 ||
      std::fflush(cert_file.handle) != 0) {
    throw Error(ErrorKind::kStorage,
                "cannot write the TLS certificate under " + files.cert.parent_path().string());
  }
  std::filesystem::rename(key_temp, files.key);
  std::filesystem::rename(cert_temp, files.cert);
}

}  // namespace

TlsFiles prepare_tls_files(const TlsConfig& config, const std::filesystem::path& project_root) {
  TlsFiles files;
  if (!config.cert.empty()) {
    files.cert = project_root / config.cert;
    files.key = project_root / config.key;
    for (const auto& path : {files.cert, files.key}) {
      if (!std::filesystem::exists(path)) {
        throw Error(ErrorKind::kConfig, "serve.tls: no such file " + path.string(), config.where);
      }
    }
    return files;
  }
  const std::filesystem::path directory = paths::state_dir(project_root) / "tls";
  files.cert = directory / "server.crt";
  files.key = directory / "server.key";
  files.generated = true;
  if (!std::filesystem::exists(files.cert) || !std::filesystem::exists(files.key)) {
    generate_self_signed(files);
    log::info("generated a self-signed TLS certificate", {{"cert", files.cert.string()}});
  }
  return files;
}

TlsContext::TlsContext(const TlsFiles& files) : context_(SSL_CTX_new(TLS_server_method())) {
  if (!context_) throw Error(ErrorKind::kInternal, "cannot set up TLS: " + openssl_error());
  SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
  SSL_CTX_set_mode(context_, SSL_MODE_AUTO_RETRY);
  if (SSL_CTX_use_certificate_chain_file(context_, files.cert.c_str()) != 1) {
    const std::string error = openssl_error();
    SSL_CTX_free(context_);
    throw Error(ErrorKind::kConfig,
                "serve.tls: cannot use certificate " + files.cert.string() + ": " + error);
  }
  if (SSL_CTX_use_PrivateKey_file(context_, files.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(context_) != 1) {
    const std::string error = openssl_error();
    SSL_CTX_free(context_);
    throw Error(ErrorKind::kConfig, "serve.tls: cannot use key " + files.key.string() +
                                        " with certificate " + files.cert.string() + ": " + error);
  }
}

TlsContext::~TlsContext() {
  SSL_CTX_free(context_);
}

TlsConnection::TlsConnection(const TlsContext& context, int fd) : ssl_(SSL_new(context.get())) {
  if (!ssl_ || SSL_set_fd(ssl_, fd) != 1) {
    SSL_free(ssl_);
    throw Error(ErrorKind::kStorage, "cannot start TLS: " + openssl_error());
  }
  if (SSL_accept(ssl_) != 1) {
    const std::string error = openssl_error();
    SSL_free(ssl_);
    throw Error(ErrorKind::kStorage, "TLS handshake failed: " + error);
  }
}

TlsConnection::~TlsConnection() {
  SSL_free(ssl_);
}

size_t TlsConnection::read_some(char* buffer, size_t size) {
  const int count = SSL_read(ssl_, buffer, static_cast<int>(std::min<size_t>(size, 1 << 30)));
  if (count > 0) return static_cast<size_t>(count);
  ERR_clear_error();
  return 0;  // closed (cleanly or not): the session ends as for a vanished client
}

void TlsConnection::write_all(const char* data, size_t size) {
  while (size > 0) {
    const int count = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (count <= 0) {
      throw Error(ErrorKind::kStorage, "cannot write to the client: " + openssl_error());
    }
    data += count;
    size -= static_cast<size_t>(count);
  }
}

}  // namespace strata::serve::auth
