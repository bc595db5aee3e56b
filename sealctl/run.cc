// Flag parsing for every sealctl command (CLI11) and dispatch.
#include "sealctl/run.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "sealctl/commands.h"
#include "sealctl/io.h"

namespace sealsync::sealctl {
namespace {

// --kubeconfig, --context, --controller-namespace; with `operator_api` also
// how to reach the operator's API.
void AddClusterFlags(CLI::App* c, ClusterOptions& o, bool operator_api) {
  c->add_option("--kubeconfig", o.kubeconfig,
                "Kubeconfig file (default $KUBECONFIG, else ~/.kube/config)");
  c->add_option("--context", o.context,
                "Kubeconfig context (default: the current context)");
  c->add_option("--controller-namespace", o.controller_namespace,
                "Namespace of the sealsync operator")
      ->capture_default_str();
  if (!operator_api) return;
  c->add_option("--controller-name", o.controller_name,
                "Service of the operator's API (reached through the API "
                "server's service proxy)")
      ->capture_default_str();
  c->add_option("--controller-url", o.controller_url,
                "The operator's API URL, e.g. http://127.0.0.1:8080 (instead "
                "of the service proxy)");
}

void AddSeal(CLI::App& app, SealOptions& o) {
  auto* c = app.add_subcommand(
      "seal", "Seal a Secret manifest (or one value with --raw)");
  c->add_option("-f,--file", o.file,
                "Secret manifest, YAML or JSON (default stdin)");
  c->add_option("-o,--output", o.output_format, "Output format")
      ->check(CLI::IsMember({"yaml", "json"}));
  auto* r = c->add_option("-r,--recipient", o.recipients,
                          "age1... recipient (repeatable; without -r and -R: "
                          "the cluster's newest)");
  auto* rf = c->add_option("-R,--recipients-file", o.recipients_files,
                           "File of recipients, one per line (repeatable)");
  c->add_option("--scope", o.scope,
                "strict | namespace | cluster (kubeseal's namespace-wide and "
                "cluster-wide too)")
      ->check(CLI::IsMember(
          {"strict", "namespace", "cluster", "namespace-wide", "cluster-wide"},
          CLI::ignore_case));
  c->add_option("--cert", o.recipients_files,
                "kubeseal habit: a recipients file (sealsync seals to age1... "
                "recipients, not certificates)");
  c->add_option("--from-cluster", o.from_cluster,
                "Seal the live Secret NS/NAME (repeatable; read with your own "
                "RBAC, nothing plaintext written)");
  c->add_flag("--all", o.all,
              "With --namespace: seal every Secret of that namespace");
  c->add_option("--out-dir", o.out_dir,
                "Write DIR/<namespace>/<name>.sealed.yaml for each Secret");
  c->add_option("--merge-into", o.merge_into,
                "Add or replace the keys in this SealedSecret FILE");
  c->add_option("--format", o.format, "Sealed value format")
      ->check(CLI::IsMember({"age", "sodium"}));
  c->add_flag("--raw", o.raw, "Seal one value and print it");
  c->add_option("-n,--namespace", o.ns, "Namespace the value is bound to");
  c->add_option("--name", o.name, "Secret name the value is bound to (strict)");
  c->add_option("--from-file", o.from_file,
                "With --raw: read the value from FILE");
  c->add_flag("--binary", o.binary,
              "With --raw: write a binary age file (what `age -d` reads)");
  c->add_flag("--fetch-recipients", o.fetch_recipients,
              "Print the recipients the operator publishes in the cluster "
              "(save them for offline use with -R)")
      ->excludes(r)
      ->excludes(rf);
  AddClusterFlags(c, o.cluster, false);
  // kubeseal's other habits: say which sealctl command does it.
  for (const auto& [flag, use] :
       std::vector<std::pair<std::string, std::string>>{
           {"--re-encrypt", "sealctl reseal -f FILE"},
           {"--validate", "sealctl verify -f FILE"},
           {"--recovery-unseal", "sealctl unseal --bitnami-key KEY -f FILE"},
           {"--fetch-cert", "sealctl seal --fetch-recipients"}}) {
    c->add_flag_callback(
        flag,
        [flag, use] {
          throw CLI::ValidationError(flag, "is kubeseal's; use: " + use);
        },
        "kubeseal habit: use " + use);
  }
}

void AddUnseal(CLI::App& app, UnsealOptions& o) {
  auto* c = app.add_subcommand(
      "unseal", "Decrypt a SealedSecret (or one value / age file with --raw)");
  c->add_option("-f,--file", o.file,
                "SealedSecret manifest or raw input (default stdin)");
  c->add_option("-i,--identity", o.identity_files,
                "Identity file (repeatable)");
  c->add_option("--passphrase-file", o.passphrase_files,
                "File holding a passphrase (repeatable): opens an identity "
                "file encrypted with `age -p`, and with --raw, input "
                "encrypted with a passphrase");
  c->add_option("-o,--output", o.output_format, "Output format")
      ->check(CLI::IsMember({"yaml", "json"}));
  c->add_option("--bitnami-key", o.bitnami_key_files,
                "Bitnami sealed-secrets key (PEM, or its exported Secret / "
                "List): open kubeseal's values too; repeatable");
  c->add_flag("--raw", o.raw, "Decrypt one value or age file to stdout");
  c->add_option("-n,--namespace", o.ns, "With --raw: enforce this namespace");
  c->add_option("--name", o.name, "With --raw: enforce this name");
  c->add_option("--scope", o.scope, "With --raw: enforce this scope")
      ->check(
          CLI::IsMember({"strict", "namespace", "cluster"}, CLI::ignore_case));
}

void AddVerify(CLI::App& app, VerifyOptions& o) {
  auto* c = app.add_subcommand(
      "verify", "Ask the operator whether it can unseal a SealedSecret");
  c->add_option("-f,--file", o.file,
                "SealedSecret manifest, YAML or JSON (default stdin)");
  AddClusterFlags(c, o.cluster, true);
}

void AddReseal(CLI::App& app, ResealOptions& o) {
  auto* c = app.add_subcommand(
      "reseal",
      "Re-seal a SealedSecret to the newest key: through the operator, or "
      "offline with -i");
  c->add_option("-f,--file", o.file,
                "SealedSecret manifest, YAML or JSON (default stdin)");
  c->add_option("-o,--output", o.output_format,
                "Output format (default: the input's)")
      ->check(CLI::IsMember({"yaml", "json"}));
  auto* id = c->add_option(
      "-i,--identity", o.identity_files,
      "Offline: identity file that opens it (repeatable); no operator needed");
  c->add_option("--passphrase-file", o.passphrase_files,
                "Offline: file holding the passphrase of an identity file "
                "encrypted with `age -p` (repeatable)")
      ->needs(id);
  c->add_option("-r,--recipient", o.recipients,
                "Offline: age1... recipient to seal to (repeatable; default: "
                "the cluster's newest)")
      ->needs(id);
  c->add_option("-R,--recipients-file", o.recipients_files,
                "Offline: file of recipients (repeatable)")
      ->needs(id);
  AddClusterFlags(c, o.cluster, true);
  c->get_option("--controller-url")->excludes(id);
}

CLI::App* AddScan(CLI::App& app, ScanOptions& o) {
  auto* c = app.add_subcommand(
      "scan",
      "Find plaintext secrets in files, the git index or commits (exit 1 on "
      "findings, 2 on usage errors)");
  c->add_option("paths", o.paths,
                "Files or directories (default .); with --staged/--since: a "
                "directory in the repository");
  c->add_flag("--staged", o.staged, "Scan the git index (for pre-commit)");
  c->add_option("--since", o.since,
                "Scan the commits REV..HEAD (for CI), each file as committed");
  c->add_option("--format", o.format, "Report format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  c->add_option("--config", o.config,
                "Allow-list file (default ./.sealctl-scan.yaml if present)");
  c->add_flag("--fix", o.fix,
              "Seal each plaintext Secret manifest to NAME.sealed.yaml beside "
              "it and remove the plaintext file");
  c->add_option("-r,--recipient", o.recipients,
                "--fix: age1... recipient (repeatable; default: the "
                "cluster's newest)")
      ->allow_extra_args(false);
  c->add_option("-R,--recipients-file", o.recipients_files,
                "--fix: file of recipients (repeatable)")
      ->allow_extra_args(false);
  AddClusterFlags(c, o.cluster, false);
  return c;
}

void AddBootstrap(CLI::App& app, BootstrapOptions& o) {
  auto* c = app.add_subcommand(
      "bootstrap",
      "Create or update the Secret holding an Infisical machine identity "
      "(Universal Auth) from environment variables, for a SecretStore");
  c->footer(
      "Without a stored credential: Kubernetes auth needs no bootstrap "
      "Secret. Give the Infisical identity Kubernetes auth (allowed "
      "namespace and ServiceAccount, audience e.g. 'infisical'), create the "
      "ServiceAccount, let the store log in as it (kubectl annotate "
      "serviceaccount NAME sealsync.dev/vault-login=SecretStore/STORE), and "
      "write the SecretStore's "
      "spec.provider.infisical.auth.kubernetesAuth {identityId, "
      "serviceAccountRef: {name, audiences}}; the operator requests a "
      "short-lived token for it at each login (docs/user-guide.md).");
  c->add_option("-n,--namespace", o.ns, "Namespace of the Secret")->required();
  c->add_option("--name", o.name, "Name of the Secret")->required();
  c->add_option("--client-id-env", o.client_id_env,
                "Environment variable holding the client id")
      ->capture_default_str();
  c->add_option("--client-secret-env", o.client_secret_env,
                "Environment variable holding the client secret")
      ->capture_default_str();
  c->add_option("--client-id-key", o.client_id_key,
                "Secret data key for the client id")
      ->capture_default_str();
  c->add_option("--client-secret-key", o.client_secret_key,
                "Secret data key for the client secret")
      ->capture_default_str();
  c->add_flag("--dry-run", o.dry_run,
              "Say whether the Secret would be created, updated or unchanged; "
              "write nothing");
  c->add_option("--kubeconfig", o.cluster.kubeconfig,
                "Kubeconfig file (default $KUBECONFIG, else ~/.kube/config)");
  c->add_option("--context", o.cluster.context,
                "Kubeconfig context (default: the current context)");
}

int RunCommand(const std::vector<std::string>& args, std::istream& in,
               std::ostream& out, std::ostream& err) {
  CLI::App app{"sealctl: seal Kubernetes Secrets for sealsync, manage keys"};
  app.name("sealctl");
  app.require_subcommand(1);
  KeygenOptions keygen;
  auto* kg =
      app.add_subcommand("keygen", "Generate an identity (age-keygen format)");
  kg->add_option("-o,--output", keygen.output,
                 "Write the identity to FILE (mode 0600)");
  RecipientOptions recipient;
  auto* rc = app.add_subcommand("recipient",
                                "Print the age1... recipient of an identity");
  rc->add_option("-i,--identity", recipient.identity_file,
                 "Identity file (default stdin)");
  SealOptions seal;
  AddSeal(app, seal);
  UnsealOptions unseal;
  AddUnseal(app, unseal);
  VerifyOptions verify;
  AddVerify(app, verify);
  ResealOptions reseal;
  AddReseal(app, reseal);
  BootstrapOptions bootstrap;
  AddBootstrap(app, bootstrap);
  MigrateOptions migrate;
  auto* mig = app.add_subcommand("migrate", "Migrate from a peer");
  mig->require_subcommand(1);
  auto* mb = mig->add_subcommand(
      "bitnami",
      "Rewrite Bitnami SealedSecret files as sealsync ones (values re-sealed "
      "to sealsync's recipients, same scope and template)");
  mb->add_option("-f,--file", migrate.files, "SealedSecret file(s)")
      ->required();
  mb->add_flag("--in-place", migrate.in_place,
               "Replace each file (whole or not at all) instead of stdout");
  mb->add_option("--bitnami-key", migrate.bitnami_key_files,
                 "Offline: the Bitnami controller's key (PEM or exported "
                 "Secret); else through the operator's imported keys");
  mb->add_option("-r,--recipient", migrate.recipients,
                 "Offline: seal to this age1... recipient");
  mb->add_option("-R,--recipients-file", migrate.recipients_files,
                 "Offline: seal to the recipients in FILE");
  mb->add_option("--controller-namespace", migrate.cluster.controller_namespace)
      ->capture_default_str();
  mb->add_option("--controller-name", migrate.cluster.controller_name)
      ->capture_default_str();
  mb->add_option("--controller-url", migrate.cluster.controller_url,
                 "The operator's API directly");
  mb->add_option("--kubeconfig", migrate.cluster.kubeconfig);
  mb->add_option("--context", migrate.cluster.context);
  MigrateEsoOptions migrate_eso;
  auto* me = mig->add_subcommand(
      "eso",
      "Convert External Secrets Operator ExternalSecrets and (Cluster)"
      "SecretStores (Infisical provider) to sealsync's; unsupported fields "
      "are refused by path");
  me->add_option("-f,--file", migrate_eso.files, "Manifest file(s)")
      ->required();
  ImportBitnamiOptions import_bitnami;
  auto* keys = app.add_subcommand("keys", "Manage keys");
  keys->require_subcommand(1);
  auto* ib = keys->add_subcommand(
      "import-bitnami",
      "Import Bitnami sealed-secrets keys as decryption-only keys");
  ib->add_option("-f,--file", import_bitnami.files,
                 "Secret or List YAML (kubectl get secret -l "
                 "sealedsecrets.bitnami.com/sealed-secrets-key -o yaml) or "
                 "PEM key file; repeatable; - for stdin")
      ->required();
  ib->add_option("-o,--output", import_bitnami.output,
                 "Write the key Secrets to a new FILE (mode 0600) instead of "
                 "the cluster");
  ib->add_option("--controller-namespace",
                 import_bitnami.cluster.controller_namespace,
                 "The operator's namespace")
      ->capture_default_str();
  ib->add_option("--kubeconfig", import_bitnami.cluster.kubeconfig,
                 "Kubeconfig file (default $KUBECONFIG, else ~/.kube/config)");
  ib->add_option("--context", import_bitnami.cluster.context,
                 "Kubeconfig context (default: the current context)");

  ScanOptions scan;
  CLI::App* sc = AddScan(app, scan);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  if (!args.empty() && !args[0].starts_with("-")) {
    // CLI11 reports an unknown command as "A subcommand is required"; name it.
    try {
      app.get_subcommand(args[0]);
    } catch (const CLI::OptionNotFound&) {
      err << "sealctl: error: unknown command \"" << args[0] << "\"\n";
      err << "sealctl: hint: run 'sealctl --help' for the list of commands\n";
      return 1;
    }
  }
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    const CLI::App* target = &app;
    for (const CLI::App* sub : app.get_subcommands()) target = sub;
    out << target->help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "sealctl: error: " << e.what() << "\n";
    err << "sealctl: hint: run 'sealctl --help' or 'sealctl COMMAND --help'\n";
    // scan is a gate in scripts: 1 means findings, so usage errors are 2.
    return sc->parsed() || (!args.empty() && args[0] == "scan") ? 2 : 1;
  }
  Streams io{in, out, err};
  if (kg->parsed()) return Keygen(keygen, io);
  if (rc->parsed()) return PrintRecipient(recipient, io);
  if (app.get_subcommand("seal")->parsed()) return Seal(seal, io);
  if (app.get_subcommand("unseal")->parsed()) return Unseal(unseal, io);
  if (app.get_subcommand("verify")->parsed()) return Verify(verify, io);
  if (app.get_subcommand("reseal")->parsed()) return Reseal(reseal, io);
  if (app.get_subcommand("bootstrap")->parsed())
    return Bootstrap(bootstrap, io);
  if (ib->parsed()) return ImportBitnami(import_bitnami, io);
  if (mb->parsed()) return MigrateBitnami(migrate, io);
  if (me->parsed()) return MigrateEso(migrate_eso, io);
  if (sc->parsed()) return Scan(scan, io);
  return Fail(err, "no command");
}

}  // namespace

int Run(const std::vector<std::string>& args, std::istream& in,
        std::ostream& out, std::ostream& err) {
  int code = RunCommand(args, in, out, err);
  // Every command's output is only written once it reaches its destination:
  // a full disk or a closed pipe is a failure, not a silent truncation.
  if (auto ok = FlushOutput(out); !ok && code == 0)
    return Fail(err, ok.error());
  return code;
}

}  // namespace sealsync::sealctl
