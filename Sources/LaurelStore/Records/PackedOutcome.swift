import CZlib

/// How an event's outcome is kept in the `outcome` column: its JSON text (`RecordedOutcome.jsonText`),
/// deflated against a fixed dictionary of the text outcomes share (their keys, the core's
/// explanation phrases). A purchase's outcome lists every rule of the program with its explanation,
/// ~2.9 KB of JSON on the benchmark's program and ~0.3 KB packed; an event's answer and the API
/// give back the same JSON text, byte for byte.
///
/// Layout: the format byte, the JSON's length in bytes (LEB128), then a raw deflate stream. Rows
/// written before packing hold the JSON text itself, which starts with `{`; both read back.
/// The dictionary is part of format 1 forever: changing it makes the outcomes already stored
/// unreadable (a test decodes a stored value to guard it). A new dictionary needs a new format byte.
enum PackedOutcome {
    static let format1: UInt8 = 0x01
    /// Larger than any outcome the API accepts an event for; a length beyond it is a damaged row.
    private static let maxLength = 64 << 20

    struct Unreadable: Error, CustomStringConvertible {
        let why: String
        var description: String { "a stored outcome could not be read: \(why)" }
    }

    /// `json` packed, as the `outcome` column keeps it (the text itself in the unlikely case zlib fails).
    static func pack(_ json: String) -> [UInt8] {
        var json = json
        return json.withUTF8 { text in
            var header: [UInt8] = [format1]
            appendLength(text.count, to: &header)
            return deflate(text, after: header) ?? [UInt8](text)
        }
    }

    /// The JSON text of a stored outcome, packed or (rows from before packing) plain.
    static func text(_ stored: some Collection<UInt8>) throws -> String {
        guard let first = stored.first else { throw Unreadable(why: "empty") }
        guard first == format1 else {
            guard first == UInt8(ascii: "{") else { throw Unreadable(why: "unknown format \(first)") }
            return String(decoding: stored, as: UTF8.self)
        }
        let bytes = [UInt8](stored)
        var position = 1
        let length = try readLength(bytes, at: &position)
        guard length <= maxLength else { throw Unreadable(why: "length \(length)") }
        return try String(unsafeUninitializedCapacity: length) { output in
            try inflate(bytes[position...], into: output)
        }
    }

    // MARK: - deflate and inflate

    /// Raw deflate (no zlib header: the format byte says what follows), 8 KB window.
    private static let windowBits: Int32 = -13
    /// 5 instead of zlib's default 8: the same bytes out for an outcome, and the stream's buffers
    /// ~48 KB instead of ~160 KB to allocate and clear per event (a C loop over 500 stored
    /// outcomes: 18.7 against 36.8 µs each).
    private static let memoryLevel: Int32 = 5

    /// `header` followed by `text` deflated, in one array written in place (no zeroing, no copy).
    private static func deflate(_ text: UnsafeBufferPointer<UInt8>, after header: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard deflateInit2_(&stream, 6, Z_DEFLATED, windowBits, memoryLevel, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        guard setDictionary(&stream, deflateSetDictionary) == Z_OK else { return nil }
        let bound = Int(deflateBound(&stream, uLong(text.count)))
        var status = Z_OK
        let packed = [UInt8](unsafeUninitializedCapacity: header.count + bound) { output, count in
            _ = output.initialize(from: header)
            stream.next_in = UnsafeMutablePointer(mutating: text.baseAddress)
            stream.avail_in = uInt(text.count)
            stream.next_out = output.baseAddress! + header.count
            stream.avail_out = uInt(bound)
            status = CZlib.deflate(&stream, Z_FINISH)
            count = header.count + bound - Int(stream.avail_out)
        }
        return status == Z_STREAM_END ? packed : nil
    }

    private static func inflate(_ packed: ArraySlice<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Unreadable(why: "inflate could not start")
        }
        defer { inflateEnd(&stream) }
        guard setDictionary(&stream, inflateSetDictionary) == Z_OK else { throw Unreadable(why: "dictionary refused") }
        let status = packed.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            stream.next_out = output.baseAddress
            stream.avail_out = uInt(output.count)
            return CZlib.inflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END, stream.avail_out == 0 else {
            throw Unreadable(why: "inflate ended with \(status), \(stream.avail_out) of \(output.count) bytes missing")
        }
        return output.count
    }

    private static func setDictionary(_ stream: inout z_stream,
                                      _ set: (z_streamp?, UnsafePointer<Bytef>?, uInt) -> Int32) -> Int32 {
        dictionary.withUnsafeBufferPointer { set(&stream, $0.baseAddress, uInt($0.count)) }
    }

    // MARK: - the length

    private static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        var rest = UInt(length)
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private static func readLength(_ bytes: [UInt8], at position: inout Int) throws -> Int {
        var length = 0
        var shift = 0
        while position < bytes.count, shift < 35 {
            let byte = bytes[position]
            position += 1
            length |= Int(byte & 0x7f) << shift
            if byte < 0x80 { return length }
            shift += 7
        }
        throw Unreadable(why: "no length")
    }

    // MARK: - the dictionary of format 1 (never to change)

    /// Text outcomes share: keys and the core's explanation phrases, the most common last (deflate
    /// codes nearer matches in fewer bits).
    private static let dictionary: [UInt8] = Array([
        #"{"available_at":"2026-01-01T00:00:00.000Z","balance_after":{"available":0,"pending":0},"expires_a"#,
        #"t":"2027-12-31T23:00:00.000Z","gifts":[{"redemption_id":"red_01","reward_id":"","status":"issued"}]"#,
        #","pending":false,"points_earned":0,"reason":"fraud_review","reversal":{"forgiven":0,"into_debt":0,"r"#,
        #"eversed":0},"review_id":"rev_01","rules":[],"status":"held","tier":"","tier_change":{"from":null,"re"#,
        #"ason":"qualified","to":""}}imported as recorded: points as the source system booked them; points les"#,
        #"s from earlier rules; capped to by the limit of points per month; limit of per year reached; limit o"#,
        #"f per week reached; limit of per day reached not active before ended at campaign bonus for reaching "#,
        #"tier members the event would earn more than points, the most one event may earn{"campaign":"","expla"#,
        #"nation":"","gift":"","matched":true,"points":0,"rule_id":"","rule_name":""},member.attributes. membe"#,
        #"r.tier in [" per 1.00 on the order total  points per visit on matching products points per unit on m"#,
        #"atching products condition not met: event.attributes.{"explanation":"condition not met: day of wee"#,
        #"k","matched":false,"points":0,"rule_id":"","rule_name":""},{"explanation":"no matching product bough"#,
        #"t","matched":true,"points":0,"rule_id":"","rule_name":""},{"explanation":"×1.50 on points from earli"#,
        #"er rules for 0 matching lines","matched":true,"points":0,"rule_id":"","rule_name":""},{"explanatio"#,
        #"n":"condition not met: member.segment in [\"vip\"]","matched":false,"points":0,"rule_id":"","rule_na"#,
        #"me":""},{"explanation":"condition not met: event.channel eq \"app\"","matched":false,"points":0,"rul"#,
        #"e_id":"","rule_name":""},{"explanation":"1.00 per 1.00 on 1 of 1 lines worth 0.00","matched":true,"p"#,
        #"oints":0,"rule_id":"base","rule_name":"base"},{"explanation":"10 points for purchase","matched":true"#,
        #","points":10,"rule_id":"","rule_name":""}],"status":"processed"}"#
    ].joined().utf8)
}
