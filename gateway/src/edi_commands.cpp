#include "edi_commands.hpp"

#include <iostream>
#include <memory>

#include "ack_command.hpp"
#include "input.hpp"
#include "parse_command.hpp"
#include "problems_command.hpp"
#include "validate_command.hpp"

namespace edigate::cli {
namespace {

struct Options {
  std::string file;
  bool json = false;
};

// Runs `body` on the opened input; exit code 2 when the input cannot be opened.
template <typename Body>
void with_input(const Options& options, int& exit_code, Body body) {
  InputFile input(options.file);
  if (!input.ok()) {
    std::cerr << "edigate: cannot read " << input.error() << "\n";
    exit_code = 2;
    return;
  }
  exit_code = body(input);
}

}  // namespace

void add_edi_commands(CLI::App& app, int& exit_code) {
  CLI::App* edi = app.add_subcommand("edi", "Read, validate and acknowledge X12 and EDIFACT");
  edi->require_subcommand(1);

  auto parse_options = std::make_shared<Options>();
  CLI::App* parse = edi->add_subcommand("parse", "Print the envelope and segment tree of a file");
  parse->add_option("FILE", parse_options->file, "EDI file, or - for standard input")->required();
  parse->add_flag("--json", parse_options->json, "One JSON object per interchange");
  parse->callback([parse_options, &exit_code] {
    with_input(*parse_options, exit_code,
               [&](InputFile& in) { return run_parse(in.source(), parse_options->json); });
  });

  auto validate_options = std::make_shared<Options>();
  CLI::App* validate = edi->add_subcommand(
      "validate",
      "Check envelopes and transaction sets against their schemas.\n"
      "Exit status: 0 valid, 1 problems found, 2 cannot read the input or bad usage");
  validate->add_option("FILE", validate_options->file, "EDI file, or - for standard input")
      ->required();
  validate->add_flag("--json", validate_options->json, "One JSON document for machines");
  validate->callback([validate_options, &exit_code] {
    with_input(*validate_options, exit_code, [&](InputFile& in) {
      return run_validate(in.source(), validate_options->file, validate_options->json);
    });
  });

  CLI::App* problems = edi->add_subcommand(
      "problems", "List every problem code with its TA1, 997/999 and CONTRL codes (Markdown)");
  problems->callback([&exit_code] { exit_code = run_problems(); });

  auto ack_file = std::make_shared<Options>();
  auto ack_options = std::make_shared<AckCommandOptions>();
  CLI::App* ack = edi->add_subcommand(
      "ack",
      "Write the acknowledgements of a received file (TA1, 997, 999 or CONTRL) to stdout.\n"
      "Exit status: 0 all accepted, 1 the acks report errors, 2 cannot read or bad usage");
  ack->add_option("FILE", ack_file->file, "EDI file, or - for standard input")->required();
  ack->add_option("--type", ack_options->type,
                  "auto (999 for 005010+, 997 before, CONTRL for EDIFACT; TA1 when requested "
                  "or the interchange has errors), 997, 999, TA1, CONTRL")
      ->capture_default_str();
  ack->add_option("--first-control", ack_options->first_control,
                  "First control number for the ack envelopes (the gateway allocates them "
                  "from its store)")
      ->capture_default_str();
  ack->add_option("--usage", ack_options->usage, "P or T (default: as received)")
      ->check(CLI::IsMember({"P", "T"}));
  ack->callback([ack_file, ack_options, &exit_code] {
    with_input(*ack_file, exit_code,
               [&](InputFile& in) { return run_ack(in.source(), *ack_options); });
  });
}

}  // namespace edigate::cli
