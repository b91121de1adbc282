// `edigate audit verify|export`, `edigate messages list|show|add|purge|...` and `edigate store
// check`: the operator's view of the store.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace edigate::cli {

void add_store_commands(CLI::App& app, int& exit_code);
// `edigate store check` (store_check_command.cpp).
void add_store_check_command(CLI::App& app, int& exit_code);
// `edigate store backup|restore` (store_backup_command.cpp), under the `store` command.
void add_store_backup_commands(CLI::App& store, int& exit_code);

// An existing store for an operator command: not created, not migrated (a running daemon owns
// the schema), no group commit. Null, with the reason on stderr, when it cannot be opened.
// share_lock false: no shared lock on <db>.users (SqliteOptions), for a copy no one else uses.
std::unique_ptr<gateway::store::Store> open_existing_store(const std::string& db,
                                                           bool share_lock = true);

}  // namespace edigate::cli
