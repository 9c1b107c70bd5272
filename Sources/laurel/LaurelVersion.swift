/// What `laurel --version` prints: the release number and the git commit built (from `BuildInfo`,
/// written at build time by the BuildInfo plugin; `unknown` when built outside a git checkout).
enum LaurelVersion {
    static let number = "0.1.0"
    static var description: String { "laurel \(number) (commit \(BuildInfo.commit))" }
}
