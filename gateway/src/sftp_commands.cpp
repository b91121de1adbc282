#include "sftp_commands.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "edigate/sftp/journal_sink.hpp"
#include "edigate/sftp/push.hpp"
#include "edigate/sftp/server.hpp"

namespace edigate::cli {
namespace {

// Runs the server until SIGINT or SIGTERM. Uploads are recorded by the journal sink until the
// gateway daemon provides its store-backed sink.
int run_serve(const std::string& config_path) {
  auto config = sftp::load_server_config(config_path);
  if (!config.ok()) {
    std::cerr << "edigate: " << config.status().message << "\n";
    return 2;
  }
  sftp::JournalSink sink(config.value().journal_path);
  if (auto s = sink.open(); !s.ok()) {
    std::cerr << "edigate: " << s.message << "\n";
    return 1;
  }
  // What a stop left in the inboxes, before any partner can add to them.
  (void)sink.recover(config.value().partners);
  // Block the signals before any thread starts, then wait for them on one thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  sftp::SftpServer server(config.value(), sink);
  if (auto s = server.start(); !s.ok()) {
    std::cerr << "edigate: " << s.message << "\n";
    return 1;
  }
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.stop();
  });
  const auto result = server.run();
  pthread_kill(watcher.native_handle(), SIGTERM);  // release the watcher if run() ended first
  watcher.join();
  if (!result.ok()) std::cerr << "edigate: " << result.message << "\n";
  return result.ok() ? 0 : 1;
}

struct PushOptions {
  sftp::PushTarget target;
  std::string file;
  std::string remote_name;
  bool no_rename = false;
};

int run_push(PushOptions& o) {
  o.target.temp_then_rename = !o.no_rename;
  const std::string name =
      o.remote_name.empty() ? std::filesystem::path(o.file).filename().string() : o.remote_name;
  auto result = sftp::push_file(o.target, o.file, name);
  if (!result.ok()) {
    std::cerr << "edigate: push failed: " << result.status().message << "\n";
    return 1;
  }
  std::cout << "pushed " << result.value().remote_path << " in " << result.value().attempts
            << " attempt(s)\n";
  return 0;
}

void add_push(CLI::App* sftp, int& exit_code) {
  auto o = std::make_shared<PushOptions>();
  CLI::App* push = sftp->add_subcommand("push", "Upload a file to a partner's SFTP server");
  push->add_option("FILE", o->file, "File to send")->required()->check(CLI::ExistingFile);
  push->add_option("--host", o->target.host, "Partner host")->required();
  push->add_option("--port", o->target.port, "Partner port");
  push->add_option("--user", o->target.user, "SSH user name")->required();
  push->add_option("--key", o->target.private_key_file, "Private key file")->required();
  push->add_option("--public-key", o->target.public_key_file, "Public key file (optional)");
  push->add_option("--host-key-sha256", o->target.host_key_sha256,
                   "Pinned host key fingerprint, SHA256:... as ssh-keygen -lf prints it")
      ->required();
  push->add_option("--remote-dir", o->target.remote_dir, "Absolute remote directory")->required();
  push->add_option("--as", o->remote_name, "Remote file name (default: the local name)");
  push->add_flag("--no-rename", o->no_rename, "Upload under the final name directly");
  push->add_option("--attempts", o->target.max_attempts, "Attempts before giving up");
  push->add_option("--backoff-ms", o->target.initial_backoff_ms, "First retry delay");
  push->add_option("--stall-seconds", o->target.stall_seconds,
                   "Give an attempt up when under a byte a second moves for this long")
      ->check(CLI::Range(1L, 86400L));
  push->callback([o, &exit_code] { exit_code = run_push(*o); });
}

}  // namespace

void add_sftp_commands(CLI::App& app, int& exit_code) {
  CLI::App* sftp = app.add_subcommand("sftp", "SFTP server for partners, SFTP push to partners");
  sftp->require_subcommand(1);
  auto config = std::make_shared<std::string>();
  CLI::App* serve = sftp->add_subcommand("serve", "Run the SFTP server (until SIGTERM)");
  serve->add_option("--config", *config, "Server configuration (XML, see docs/sftp.md)")
      ->required();
  serve->callback([config, &exit_code] { exit_code = run_serve(*config); });
  add_push(sftp, exit_code);
}

}  // namespace edigate::cli
