// The floor under gateway_bench: the least work any gateway must do for one AS2 message under
// this project's rules (signed and encrypted 10 KB in, signed sync MDN out, nothing lost,
// delivered as a file), done by the simplest code that does it, on the same cores as its
// senders, beside RSA-2048 private-key signatures measured in the same run. No parsing, no
// mapping, no database, no audit: what it reaches is what the whole gateway could reach if all
// of those cost nothing, so the gap between it and gateway_bench is the gateway's own cost, and
// the gap between it and the RSA bound is what no design under these rules can close.
//
// Per message, in one server thread per connection taken (WORKERS of them):
//   read     the request over loopback TCP (a new connection per message, as AS2 senders do);
//   unwrap   RSA private decryption of the content key, AES-256-CBC decryption of the payload,
//            SHA-256 of it and the sender's signature checked with its public key;
//   mdn      a receipt text with the payload's digest, signed with our private key;
//   keep     the request, the payload and the MDN appended to a journal file and flushed
//            (fdatasync shared by every writer waiting at the time, i.e. group commit);
//   answer   the MDN sent back, the connection closed;
//   drop     the 25 KB "canonical" document written as a file: temporary name, write, fsync,
//            rename, a directory fsync shared like the journal's;
//   record   a line saying it was delivered, appended to the journal and flushed.
// The senders (SENDERS threads, in this process, like gateway_bench's on the same two cores)
// check every MDN's signature.
//
//   floor_bench [--quick] [--messages N] [--senders N] [--workers N] [--syncfs-drops] [--dir DIR]
//
// --syncfs-drops: the drops are made durable by one syncfs() shared by the drops waiting
// (instead of an fsync of each file and a shared directory fsync), to show what batching the
// file connector's flushes would be worth.
//
// Prints messages/s, CPU per message (all threads, and the server's alone, by stage) and the
// ratios to the RSA bound (signatures/s / 2, two private operations per message). --quick
// (the CTest smoke run) checks only that every message was answered with a verified MDN and
// delivered. Never pass/fail on time.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<unsigned char>;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "floor_bench: %s (%s)\n", what, std::strerror(errno));
  std::exit(1);
}

void need(bool ok, const char* what) {
  if (!ok) die(what);
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey rsa_key() {
  Pkey key(EVP_RSA_gen(2048));
  need(key != nullptr, "cannot generate an RSA key");
  return key;
}

// CPU time of the calling thread, in seconds.
double thread_cpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double process_cpu() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

Bytes sha256(const unsigned char* data, std::size_t size) {
  Bytes digest(32);
  unsigned int len = 0;
  need(EVP_Digest(data, size, digest.data(), &len, EVP_sha256(), nullptr) == 1, "digest");
  return digest;
}

// PKCS#1 v1.5 signature with SHA-256 over `data`, as CMS signs its signed attributes.
Bytes sign(EVP_PKEY* key, const unsigned char* data, std::size_t size) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  need(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
           EVP_DigestSign(ctx, nullptr, &len, data, size) == 1,
       "sign init");
  Bytes sig(len);
  need(EVP_DigestSign(ctx, sig.data(), &len, data, size) == 1, "sign");
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return sig;
}

bool verify(EVP_PKEY* key, const unsigned char* data, std::size_t size, const unsigned char* sig,
            std::size_t sig_size) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, sig, sig_size, data, size) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// AES-256-CBC in either direction.
Bytes aes(bool encrypt, const unsigned char* key, const unsigned char* iv, const unsigned char* in,
          std::size_t size) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(size + 16);
  int n = 0, tail = 0;
  need(EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key, iv, encrypt ? 1 : 0) == 1 &&
           EVP_CipherUpdate(ctx, out.data(), &n, in, static_cast<int>(size)) == 1 &&
           EVP_CipherFinal_ex(ctx, out.data() + n, &tail) == 1,
       "aes");
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<std::size_t>(n + tail));
  return out;
}

// The wire format: a 4-byte big-endian length, then the message. A request is the RSA-wrapped
// content key (256 bytes), the IV (16), the sender's signature of the payload (256), then the
// ciphertext; a response is the MDN text followed by our 256-byte signature of it.
constexpr std::size_t kWrapped = 256, kIv = 16, kSig = 256;

void put_length(std::string& out, std::size_t n) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
}

bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::recv(fd, p, size, 0);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_framed(int fd, std::string& out) {
  unsigned char len[4];
  if (!read_all(fd, len, 4)) return false;
  const std::size_t n = (std::size_t{len[0]} << 24) | (std::size_t{len[1]} << 16) |
                        (std::size_t{len[2]} << 8) | len[3];
  if (n > (64u << 20)) return false;
  out.resize(n);
  return read_all(fd, out.data(), n);
}

const unsigned char* bytes_of(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// A request as a partner packs it: a fresh content key wrapped for us, the payload signed with
// its key and encrypted.
std::string pack(EVP_PKEY* ours, EVP_PKEY* theirs, const std::string& payload) {
  unsigned char key[32], iv[kIv];
  need(RAND_bytes(key, sizeof key) == 1 && RAND_bytes(iv, sizeof iv) == 1, "random");
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(ours, nullptr);
  std::size_t len = 0;
  need(EVP_PKEY_encrypt_init(ctx) == 1 &&
           EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
           EVP_PKEY_encrypt(ctx, nullptr, &len, key, sizeof key) == 1 && len == kWrapped,
       "wrap init");
  Bytes wrapped(len);
  need(EVP_PKEY_encrypt(ctx, wrapped.data(), &len, key, sizeof key) == 1, "wrap");
  EVP_PKEY_CTX_free(ctx);
  const Bytes sig = sign(theirs, bytes_of(payload), payload.size());
  need(sig.size() == kSig, "signature size");
  const Bytes cipher = aes(true, key, iv, bytes_of(payload), payload.size());
  std::string body;
  body.append(wrapped.begin(), wrapped.end());
  body.append(reinterpret_cast<const char*>(iv), kIv);
  body.append(sig.begin(), sig.end());
  body.append(cipher.begin(), cipher.end());
  std::string framed;
  put_length(framed, body.size());
  return framed + body;
}

// How a SharedSync flushes its file descriptor.
enum class Flush { data, all, filesystem };

// Writers waiting for a flush share one: the first to wait flushes everything written so far,
// the others wait for it (the same scheme as the store's group commit and the file
// connector's directory fsync).
class SharedSync {
 public:
  SharedSync(int fd, Flush how) : fd_(fd), how_(how) {}
  // After a write numbered by `ticket()`: returns once a flush that started after it ended.
  void wait(std::uint64_t ticket) {
    std::unique_lock lock(mutex_);
    while (synced_ < ticket) {
      if (syncing_) {
        done_.wait(lock);
        continue;
      }
      syncing_ = true;
      const std::uint64_t covers = written_;
      lock.unlock();
      const int rc = how_ == Flush::data  ? ::fdatasync(fd_)
                     : how_ == Flush::all ? ::fsync(fd_)
                                          : ::syncfs(fd_);
      need(rc == 0, "flush");
      ++flushes_;
      lock.lock();
      syncing_ = false;
      synced_ = std::max(synced_, covers);
      done_.notify_all();
    }
  }
  std::uint64_t ticket() {
    std::lock_guard lock(mutex_);
    return ++written_;
  }
  std::uint64_t flushes() const { return flushes_.load(); }

 private:
  int fd_;
  Flush how_;
  std::mutex mutex_;
  std::condition_variable done_;
  bool syncing_ = false;
  std::uint64_t written_ = 0, synced_ = 0;
  std::atomic<std::uint64_t> flushes_{0};
};

// An append-only journal: each record is written at its own offset (taken under a lock, the
// write itself outside it), then flushed with the others waiting.
class Journal {
 public:
  explicit Journal(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600)), sync_(fd_, Flush::data) {
    need(fd_ >= 0, "cannot create the journal");
  }
  ~Journal() { ::close(fd_); }
  std::uint64_t flushes() const { return sync_.flushes(); }
  void append(const std::vector<std::string_view>& parts) {
    std::size_t size = 0;
    for (std::string_view p : parts) size += p.size();
    off_t at = 0;
    {
      std::lock_guard lock(mutex_);
      at = end_;
      end_ += static_cast<off_t>(size);
    }
    for (std::string_view p : parts) {
      need(::pwrite(fd_, p.data(), p.size(), at) == static_cast<ssize_t>(p.size()),
           "journal write");
      at += static_cast<off_t>(p.size());
    }
    // Numbered once written: a flush that started before this could not cover these bytes.
    sync_.wait(sync_.ticket());
  }

 private:
  int fd_;
  SharedSync sync_;
  std::mutex mutex_;
  off_t end_ = 0;
};

// The stages of the server's work, in the order above; CPU seconds summed over its threads.
enum Stage { kRead, kUnwrap, kMdn, kKeep, kAnswer, kDrop, kRecord, kStages };
constexpr std::array<const char*, kStages> kStageNames = {"read",   "unwrap", "mdn",   "keep",
                                                          "answer", "drop",   "record"};

struct Shared {
  EVP_PKEY* ours = nullptr;
  EVP_PKEY* theirs = nullptr;
  std::string document;  // what is "delivered" for each message
  std::string dir;
  Journal* journal = nullptr;
  SharedSync* directory = nullptr;
  bool syncfs_drops = false;  // --syncfs-drops
  int listener = -1;
  std::atomic<int> to_serve{0};
  std::atomic<int> delivered{0};
  std::atomic<int> refused{0};
  std::mutex stage_mutex;
  std::array<double, kStages> stage_cpu{};
};

void serve_one(Shared& s, int fd, int n, std::array<double, kStages>& cpu) {
  double t = thread_cpu();
  const auto lap = [&](Stage stage) {
    const double now = thread_cpu();
    cpu[stage] += now - t;
    t = now;
  };
  std::string request;
  if (!read_framed(fd, request) || request.size() < kWrapped + kIv + kSig + 16) {
    ++s.refused;
    ::close(fd);
    return;
  }
  lap(kRead);
  const unsigned char* body = bytes_of(request);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(s.ours, nullptr);
  unsigned char key[256];
  std::size_t key_len = sizeof key;
  const bool unwrapped = EVP_PKEY_decrypt_init(ctx) == 1 &&
                         EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
                         EVP_PKEY_decrypt(ctx, key, &key_len, body, kWrapped) == 1 && key_len == 32;
  EVP_PKEY_CTX_free(ctx);
  if (!unwrapped) {
    ++s.refused;
    ::close(fd);
    return;
  }
  const std::size_t head = kWrapped + kIv + kSig;
  const Bytes payload = aes(false, key, body + kWrapped, body + head, request.size() - head);
  const Bytes mic = sha256(payload.data(), payload.size());
  if (!verify(s.theirs, payload.data(), payload.size(), body + kWrapped + kIv, kSig)) {
    ++s.refused;
    ::close(fd);
    return;
  }
  lap(kUnwrap);
  std::string mdn = "Reporting-UA: floor_bench\r\nOriginal-Message-ID: <" + std::to_string(n) +
                    "@bench>\r\nDisposition: automatic-action/MDN-sent-automatically; "
                    "processed\r\nReceived-Content-MIC: ";
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : mic) {
    mdn.push_back(kHex[c >> 4]);
    mdn.push_back(kHex[c & 15]);
  }
  mdn += ", sha-256\r\n";
  const Bytes mdn_sig = sign(s.ours, bytes_of(mdn), mdn.size());
  std::string response;
  put_length(response, mdn.size() + mdn_sig.size());
  response += mdn;
  response.append(mdn_sig.begin(), mdn_sig.end());
  lap(kMdn);
  s.journal->append(
      {request, std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()),
       response});
  lap(kKeep);
  (void)write_all(fd, response.data(), response.size());
  ::close(fd);
  lap(kAnswer);
  const std::string name = s.dir + "/" + std::to_string(n) + ".json";
  const std::string temp = s.dir + "/." + std::to_string(n) + ".json.tmp";
  const int out = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  need(out >= 0, "cannot create a file");
  need(
      ::write(out, s.document.data(), s.document.size()) == static_cast<ssize_t>(s.document.size()),
      "cannot write a file");
  // --syncfs-drops: no fsync of its own; the shared flush below is a syncfs() of the whole
  // filesystem, which writes the file, its inode and the directory together with whatever
  // else waits there.
  need((s.syncfs_drops || ::fsync(out) == 0) && ::close(out) == 0, "cannot fsync a file");
  need(::rename(temp.c_str(), name.c_str()) == 0, "cannot rename a file");
  s.directory->wait(s.directory->ticket());
  lap(kDrop);
  const std::string line = "delivered " + std::to_string(n) + " " + name + "\n";
  s.journal->append({line});
  lap(kRecord);
  ++s.delivered;
}

void server_thread(Shared& s) {
  std::array<double, kStages> cpu{};
  for (;;) {
    const int n = s.to_serve.fetch_sub(1);
    if (n <= 0) break;
    // Fails once the senders are done and the listener is shut down (a sender that could
    // not connect leaves a connection never made).
    const int fd = ::accept(s.listener, nullptr, nullptr);
    if (fd < 0) break;
    serve_one(s, fd, n, cpu);
  }
  std::lock_guard lock(s.stage_mutex);
  for (int i = 0; i < kStages; ++i) s.stage_cpu[i] += cpu[i];
}

struct SenderResult {
  int verified = 0;
  int failed = 0;
  double cpu = 0;
};

void sender_thread(const Shared& s, int port, const std::vector<std::string>& requests,
                   std::atomic<int>& next, int total, SenderResult& result) {
  const double start = thread_cpu();
  for (int i = next++; i < total; i = next++) {
    const std::string& request = requests[static_cast<std::size_t>(i) % requests.size()];
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::string response;
    const bool answered = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0 &&
                          write_all(fd, request.data(), request.size()) &&
                          read_framed(fd, response) && response.size() > kSig;
    ::close(fd);
    const std::size_t text = answered ? response.size() - kSig : 0;
    if (answered && response.find("processed") != std::string::npos &&
        verify(s.ours, bytes_of(response), text, bytes_of(response) + text, kSig)) {
      ++result.verified;
    } else {
      ++result.failed;
    }
  }
  result.cpu = thread_cpu() - start;
}

// RSA-2048 private-key signatures per second over `threads` threads for about `seconds`.
double rsa_sign_rate(EVP_PKEY* key, int threads, double seconds) {
  std::atomic<long> done{0};
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      unsigned char digest[32] = {1};
      unsigned char sig[512];
      while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
        std::size_t len = sizeof sig;
        need(EVP_PKEY_sign_init(ctx) == 1 &&
                 EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
                 EVP_PKEY_sign(ctx, sig, &len, digest, sizeof digest) == 1,
             "baseline sign");
        EVP_PKEY_CTX_free(ctx);
        ++done;
      }
    });
  }
  for (std::thread& t : pool) t.join();
  return static_cast<double>(done.load()) /
         std::chrono::duration<double>(Clock::now() - start).count();
}

int arg_int(int argc, char** argv, int& i) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "floor_bench: %s needs a value\n", argv[i]);
    std::exit(2);
  }
  return std::atoi(argv[++i]);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int messages = 2000, senders = 8, workers = 4;
  bool syncfs_drops = false;
  std::string base = ".";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--quick") {
      quick = true;
      messages = 40;
    } else if (a == "--messages") {
      messages = arg_int(argc, argv, i);
    } else if (a == "--senders") {
      senders = arg_int(argc, argv, i);
    } else if (a == "--workers") {
      workers = arg_int(argc, argv, i);
    } else if (a == "--syncfs-drops") {
      syncfs_drops = true;
    } else if (a == "--dir" && i + 1 < argc) {
      base = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: floor_bench [--quick] [--messages N] [--senders N] [--workers N] "
                   "[--syncfs-drops] [--dir DIR]\n");
      return 2;
    }
  }
  if (messages < 1 || senders < 1 || workers < 1) return 2;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  Pkey ours = rsa_key(), theirs = rsa_key();
  Shared s;
  s.ours = ours.get();
  s.theirs = theirs.get();
  s.syncfs_drops = syncfs_drops;
  // A 10 KB interchange-sized payload, and a delivered document the size gateway_bench's
  // canonical JSON has (25,428 bytes).
  std::string payload;
  while (payload.size() < 9904) payload += "PO1*1*24*PC*12.9**UP*077312000001*VP*BRH-00001~\n";
  payload.resize(9904);
  s.document.assign(25428, 'j');
  std::vector<std::string> requests;
  for (int i = 0; i < 32; ++i) requests.push_back(pack(s.ours, s.theirs, payload));

  std::string templ = base + "/floor_bench.XXXXXX";
  need(::mkdtemp(templ.data()) != nullptr, "cannot make a directory");
  s.dir = templ + "/drops";
  need(::mkdir(s.dir.c_str(), 0750) == 0, "cannot make the drop directory");
  const int dir_fd = ::open(s.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  need(dir_fd >= 0, "cannot open the drop directory");
  Journal journal(templ + "/journal");
  SharedSync directory(dir_fd, s.syncfs_drops ? Flush::filesystem : Flush::all);
  s.journal = &journal;
  s.directory = &directory;

  s.listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t at_len = sizeof at;
  need(s.listener >= 0 && ::bind(s.listener, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0 &&
           ::listen(s.listener, 256) == 0 &&
           ::getsockname(s.listener, reinterpret_cast<sockaddr*>(&at), &at_len) == 0,
       "cannot listen on loopback");
  const int port = ntohs(at.sin_port);

  s.to_serve = messages;
  std::atomic<int> next{0};
  std::vector<SenderResult> results(static_cast<std::size_t>(senders));
  const double cpu_before = process_cpu();
  const auto start = Clock::now();
  std::vector<std::thread> servers, clients;
  for (int w = 0; w < workers; ++w) servers.emplace_back(server_thread, std::ref(s));
  for (int c = 0; c < senders; ++c) {
    clients.emplace_back(sender_thread, std::cref(s), port, std::cref(requests), std::ref(next),
                         messages, std::ref(results[static_cast<std::size_t>(c)]));
  }
  for (std::thread& t : clients) t.join();
  ::shutdown(s.listener, SHUT_RDWR);  // wakes servers still waiting for a connection
  for (std::thread& t : servers) t.join();
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_all = process_cpu() - cpu_before;
  ::close(s.listener);
  ::close(dir_fd);
  const std::uint64_t journal_flushes = journal.flushes();
  const std::uint64_t directory_flushes = directory.flushes();
  std::error_code removed;
  std::filesystem::remove_all(templ, removed);

  int verified = 0, failed = 0;
  double sender_cpu = 0;
  for (const SenderResult& r : results) {
    verified += r.verified;
    failed += r.failed;
    sender_cpu += r.cpu;
  }
  const bool complete =
      verified == messages && failed == 0 && s.refused == 0 && s.delivered == messages;
  std::printf(
      "floor_bench: %u cores, %d messages of %zu bytes (RSA-2048 key transport + AES-256-CBC, "
      "SHA-256 signature, signed MDN; journal + file drop, each flushed%s), %d senders, %d "
      "workers\n",
      cores, messages, payload.size(), syncfs_drops ? ", drops by a shared syncfs" : "", senders,
      workers);
  std::printf("  answered with a verified MDN %d, failed %d, refused %d, delivered %d\n", verified,
              failed, s.refused.load(), s.delivered.load());
  if (!complete) {
    std::fprintf(stderr, "floor_bench: not every message went through\n");
    return 1;
  }
  const double rate = messages / took;
  const double per_msg = cpu_all / messages;
  const double server = per_msg - sender_cpu / messages;
  std::printf("  floor: %.1f messages/s; CPU per message %.3f ms (server %.3f, senders %.3f)\n",
              rate, per_msg * 1000, server * 1000, sender_cpu / messages * 1000);
  std::string stages;
  for (int i = 0; i < kStages; ++i) {
    char part[64];
    std::snprintf(part, sizeof part, "%s%s %.3f", i ? ", " : "", kStageNames[i],
                  s.stage_cpu[i] / messages * 1000);
    stages += part;
  }
  std::printf(
      "  server CPU by stage, ms per message: %s; journal flushes %.2f and drop "
      "flushes %.2f per message\n",
      stages.c_str(), static_cast<double>(journal_flushes) / messages,
      static_cast<double>(directory_flushes) / messages);
  if (quick) return 0;
  const double signs = rsa_sign_rate(s.ours, static_cast<int>(cores), 3.0);
  const double bound = signs / 2;
  const double rsa_cpu = 2.0 * cores / signs;
  std::printf(
      "  RSA-2048 private operations (%u threads): %.0f/s -> bound %.0f messages/s; floor ratio "
      "%.3f (messages/s over the bound); 2 private operations %.3f ms of CPU, CPU ratio %.3f "
      "(all threads) and %.3f (server alone)\n",
      cores, signs, bound, rate / bound, rsa_cpu * 1000, rsa_cpu / per_msg, rsa_cpu / server);
  return 0;
}
