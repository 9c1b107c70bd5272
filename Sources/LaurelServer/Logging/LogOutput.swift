import Foundation
import LaurelCore
import Logging
import Synchronization

/// How `laurel serve` writes its log lines to standard output.
public enum LogFormat: String, CaseIterable, Sendable {
    /// swift-log's own plain text lines (`StreamLogHandler`).
    case text
    /// One JSON object per line: `time`, `level`, `label`, `message` and `metadata` (an object; absent when empty).
    case json
}

/// Writes log lines as JSON objects, one per line, to a sink (standard output in `laurel serve`).
public struct JSONLogHandler: LogHandler {
    /// Where whole lines go; called once per line, from any thread.
    public typealias Sink = @Sendable (String) -> Void

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: Sink

    public init(label: String, sink: @escaping Sink = JSONLogHandler.standardOutput) {
        self.label = label
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        sink(Self.line(time: Date(), level: event.level, label: label, message: event.message.description, metadata: merged))
    }

    /// One log line: a JSON object with sorted keys and no newline inside.
    static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var object: [String: Any] = ["time": Timestamps.format(time), "level": level.rawValue, "label": label, "message": message]
        if !metadata.isEmpty { object["metadata"] = metadata.mapValues(Self.json) }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
              let text = String(data: data, encoding: .utf8) else {
            return #"{"level":"error","message":"a log line could not be written as JSON"}"#
        }
        return text
    }

    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return values.map(json)
        case .dictionary(let values): return values.mapValues(json)
        }
    }

    /// Writes each line to standard output at once, whole lines only (one lock for all handlers).
    public static let standardOutput: Sink = { line in
        outputLock.withLock { _ in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
    private static let outputLock = Mutex(())
}

extension LogFormat {
    /// Sets up swift-log for the whole process (once, before any logger is made).
    public func bootstrap(level: Logger.Level) {
        switch self {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
