// The sealctl commands. Each takes its parsed options and the streams and
// returns an exit code; none calls exit().
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace sealsync::sealctl {

struct Streams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

// Where the cluster is and where the sealsync operator runs; used by the
// commands that talk to a cluster (sealctl/cluster.h).
struct ClusterOptions {
  std::string kubeconfig;  // --kubeconfig; else $KUBECONFIG, ~/.kube/config
  std::string context;     // --context; else the current context
  std::string controller_namespace = "sealsync-system";
  std::string controller_name = "sealsync";  // the operator's Service
  std::string controller_url;  // --controller-url: the operator API, directly
};

// sealctl keys import-bitnami (sealctl/bitnami_cmd.cc).
struct ImportBitnamiOptions {
  std::vector<std::string> files;  // -f: Secret / List YAML or PEM; "-" stdin
  std::string output;              // -o: a new 0600 manifest, not the cluster
  ClusterOptions cluster;          // where the operator's namespace is
};
int ImportBitnami(const ImportBitnamiOptions& opts, Streams io);

// sealctl migrate bitnami (sealctl/migrate_cmd.cc).
struct MigrateOptions {
  std::vector<std::string> files;  // -f, repeatable
  bool in_place = false;           // replace each file instead of stdout
  std::vector<std::string> bitnami_key_files;  // offline; else the operator
  std::vector<std::string> recipients;         // offline; else the cluster's
  std::vector<std::string> recipients_files;
  ClusterOptions cluster;
};
int MigrateBitnami(const MigrateOptions& opts, Streams io);

// sealctl migrate eso (sealctl/migrate_eso.cc).
struct MigrateEsoOptions {
  std::vector<std::string> files;  // -f, repeatable; "-" stdin
};
int MigrateEso(const MigrateEsoOptions& opts, Streams io);

struct KeygenOptions {
  std::string output;  // empty: stdout
};
int Keygen(const KeygenOptions& opts, Streams io);

struct RecipientOptions {
  std::string identity_file;  // empty or "-": stdin
};
int PrintRecipient(const RecipientOptions& opts, Streams io);

struct SealOptions {
  std::string file;  // -f; empty: stdin
  std::string output_format = "yaml";
  std::vector<std::string> recipients;
  std::vector<std::string> recipients_files;
  std::string scope = "strict";
  std::string format = "age";
  bool raw = false;
  bool binary = false;  // with --raw: a binary age file instead of base64
  std::string ns;
  std::string name;
  std::string from_file;
  // Without recipients and recipients_files, seal to the newest recipient
  // the operator publishes in the cluster.
  ClusterOptions cluster;
  bool fetch_recipients = false;  // print the published recipients file
  // Seal live Secrets (read with the user's own RBAC) instead of a file:
  // NS/NAME (repeatable), or --all of --namespace.
  std::vector<std::string> from_cluster;
  bool all = false;
  // With --from-cluster: write DIR/<ns>/<name>.sealed.yaml instead of stdout.
  std::string out_dir;
  // Add or replace the sealed keys in this existing SealedSecret file
  // (kubeseal's --merge-into); it is rewritten whole.
  std::string merge_into;
};
int Seal(const SealOptions& opts, Streams io);

struct UnsealOptions {
  std::string file;  // -f; empty: stdin
  std::vector<std::string> identity_files;
  // For --raw input encrypted with a passphrase, and for passphrase-encrypted
  // identity files.
  std::vector<std::string> passphrase_files;
  // Bitnami controller keys (PEM, or the exported key Secrets): open
  // kubeseal's values too (kubeseal --recovery-unseal).
  std::vector<std::string> bitnami_key_files;
  std::string output_format = "yaml";
  bool raw = false;
  std::string ns;
  std::string name;
  std::string scope;
};
int Unseal(const UnsealOptions& opts, Streams io);

// sealctl verify: asks the operator whether it can unseal a SealedSecret.
struct VerifyOptions {
  std::string file;  // -f; empty: stdin
  ClusterOptions cluster;
};
int Verify(const VerifyOptions& opts, Streams io);

// sealctl reseal: re-seals every value of a SealedSecret to the newest key,
// through the operator, or offline with identity_files.
struct ResealOptions {
  std::string file;           // -f; empty: stdin
  std::string output_format;  // yaml | json; empty: the input's format
  std::vector<std::string> identity_files;  // non-empty: offline
  // Passphrases of passphrase-encrypted identity files.
  std::vector<std::string> passphrase_files;
  std::vector<std::string> recipients;  // offline; else the cluster's
  std::vector<std::string> recipients_files;
  ClusterOptions cluster;
};
int Reseal(const ResealOptions& opts, Streams io);

// sealctl bootstrap: creates or updates (server-side apply) the Opaque Secret
// ns/name holding an Infisical machine identity's Universal Auth client id
// and client secret, read from environment variables. Prints one line
// "secret NS/NAME created|updated|unchanged (keys: ...)"; never the values.
struct BootstrapOptions {
  std::string ns;    // -n, --namespace (required)
  std::string name;  // --name (required)
  std::string client_id_env = "INFISICAL_CLIENT_ID";
  std::string client_secret_env = "INFISICAL_CLIENT_SECRET";
  std::string client_id_key = "clientId";
  std::string client_secret_key = "clientSecret";
  bool dry_run = false;    // say what would happen, write nothing
  ClusterOptions cluster;  // only kubeconfig and context are used
};
int Bootstrap(const BootstrapOptions& opts, Streams io);

// sealctl scan (sealctl/scan_cmd.cc): finds plaintext secrets in files, the
// git index or commits. Exit 0 clean, 1 findings, 2 usage or input error.
struct ScanOptions {
  std::vector<std::string> paths;  // default "."
  bool staged = false;             // the git index (pre-commit)
  std::string since;               // commits REV..HEAD (CI)
  std::string format = "text";     // text | json | sarif
  std::string config;  // allow-list; default ./.sealctl-scan.yaml if present
  // Seal each plaintext Secret manifest found beside it (NAME.sealed.yaml)
  // and remove the plaintext file.
  bool fix = false;
  std::vector<std::string> recipients;  // --fix: else the cluster's
  std::vector<std::string> recipients_files;
  ClusterOptions cluster;
};
int Scan(const ScanOptions& opts, Streams io);

}  // namespace sealsync::sealctl
