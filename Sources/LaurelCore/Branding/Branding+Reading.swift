import Foundation

extension Branding {
    static let maxDisplayName = 100
    static let maxLogoURL = 2048
    static let maxFontStack = 200

    /// Reads `branding:`: colours as `#rrggbb` (`#rgb` is widened), the logo an https URL, the font
    /// stack names and commas only, since each value lands in the portal's CSS.
    static func read(_ value: JSONValue, at path: String, _ reader: DefinitionReader) -> Branding? {
        let allowed: Set<String> = ["display_name", "logo_url", "colors", "font"]
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        var branding = Branding()
        if let name = object.string("display_name") {
            if name.unicodeScalars.count > maxDisplayName { reader.report(object.pathOf("display_name"), "must be at most \(maxDisplayName) characters") } else {
                branding.displayName = name
            }
        }
        if let url = object.string("logo_url") {
            if url.unicodeScalars.count > maxLogoURL || !isLogoURL(url) {
                reader.report(object.pathOf("logo_url"), "must be an https URL such as https://cdn.example.com/logo.svg (host of letters, digits, . and -; no credentials), at most \(maxLogoURL) characters")
            } else {
                branding.logoURL = url
            }
        }
        if let colors = reader.object(object.value("colors"), at: object.pathOf("colors"), allowed: ["primary", "accent", "background", "text"]) {
            func color(_ key: String) -> String? {
                guard let text = colors.string(key) else { return nil }
                let lower = text.lowercased()
                if lower.utf8.count == 4, lower.hasPrefix("#"), lower.dropFirst().allSatisfy(\.isHexDigit) {
                    return "#" + lower.dropFirst().map { "\($0)\($0)" }.joined()
                }
                guard isHexColor(lower) else { reader.report(colors.pathOf(key), "must be a hex colour such as #1a6b3c, got \"\(text)\""); return nil }
                return lower
            }
            branding.primaryColor = color("primary")
            branding.accentColor = color("accent")
            branding.backgroundColor = color("background")
            branding.textColor = color("text")
        }
        if let font = object.string("font") {
            let allowedCharacters = font.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || " ,-_'\"".contains($0)) }
            if font.unicodeScalars.count > maxFontStack || !allowedCharacters {
                reader.report(object.pathOf("font"), "must be a font stack such as \"Georgia, serif\": names, spaces, commas, - and quotes, at most \(maxFontStack) characters")
            } else {
                branding.fontStack = font
            }
        }
        return branding
    }

    /// `https://host[:port][/path]`: ASCII host, no credentials, a path of URL characters (it lands in an `<img src>`).
    public static func isLogoURL(_ url: String) -> Bool {
        guard url.hasPrefix("https://") else { return false }
        let rest = url.dropFirst("https://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let hostPort = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let host = hostPort.first, !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
            return false
        }
        if hostPort.count == 2 {
            guard (1...5).contains(hostPort[1].count), hostPort[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        }
        return path.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._~!$&'()*+,;=:@%/?#-".contains($0)) }
    }

    /// The canonical form, with only what is set.
    var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = [:]
        if let displayName { tree["display_name"] = .string(displayName) }
        if let logoURL { tree["logo_url"] = .string(logoURL) }
        var colors: [String: JSONValue] = [:]
        for (key, value) in [("primary", primaryColor), ("accent", accentColor), ("background", backgroundColor), ("text", textColor)] {
            if let value { colors[key] = .string(value) }
        }
        if !colors.isEmpty { tree["colors"] = .object(colors) }
        if let fontStack { tree["font"] = .string(fontStack) }
        return .object(tree)
    }
}
