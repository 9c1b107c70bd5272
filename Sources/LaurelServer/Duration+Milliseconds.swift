extension Duration {
    /// Whole milliseconds, for recorded durations (job runs, webhook attempts).
    var wholeMilliseconds: Int { Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
}
