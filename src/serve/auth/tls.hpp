// TLS for both listeners of `strata serve`. The certificate and key come from serve.tls in
// strata.yml, or, when none are given, from a self-signed certificate (EC P-256, valid for
// localhost, 127.0.0.1 and ::1, usable as its own CA, so clients can verify it with
// sslrootcert / --cacert) generated once under .strata/tls/ and reused. TlsContext is the
// OpenSSL server context for the PostgreSQL listener (TLS 1.2 and later); the HTTP listener
// gives the same files to cpp-httplib.
#pragma once

#include <filesystem>
#include <memory>

#include "core/serve_config.hpp"

struct ssl_ctx_st;
struct ssl_st;

namespace strata::serve::auth {

struct TlsFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
  bool generated = false;
};

// The configured files (relative to `project_root`; checked to exist), else the generated ones
// under .strata/tls/ (made when missing). Throws Error(kConfig) naming serve.tls on failure.
TlsFiles prepare_tls_files(const TlsConfig& config, const std::filesystem::path& project_root);

class TlsContext {
 public:
  // Loads the certificate chain and key; throws Error(kConfig) when they cannot be used.
  explicit TlsContext(const TlsFiles& files);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* get() const { return context_; }

 private:
  ssl_ctx_st* context_ = nullptr;
};

// One TLS connection over a connected socket, server side.
class TlsConnection {
 public:
  // Runs the handshake on `fd`; throws Error(kStorage) when it fails.
  TlsConnection(const TlsContext& context, int fd);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  // As Socket::read_some / write_all.
  size_t read_some(char* buffer, size_t size);
  void write_all(const char* data, size_t size);

 private:
  ssl_st* ssl_ = nullptr;
};

}  // namespace strata::serve::auth
