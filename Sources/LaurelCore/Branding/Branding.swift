import Foundation

/// How a program's member portal looks (`branding:`): the name shown, a logo, colours and a font
/// stack. The portal sets them as CSS variables; anything not given keeps Laurel's defaults.
public struct Branding: Hashable, Sendable {
    /// Shown in the portal's header and title instead of the program's name.
    public var displayName: String?
    /// An https URL of the logo image.
    public var logoURL: String?
    /// Buttons, links and the tier path (`#rrggbb`).
    public var primaryColor: String?
    /// Highlights such as the "you are here" mark (`#rrggbb`).
    public var accentColor: String?
    /// The page (`#rrggbb`).
    public var backgroundColor: String?
    /// Body text (`#rrggbb`).
    public var textColor: String?
    /// A CSS font stack of installed fonts (no web fonts are loaded).
    public var fontStack: String?

    public init(displayName: String? = nil, logoURL: String? = nil, primaryColor: String? = nil, accentColor: String? = nil,
                backgroundColor: String? = nil, textColor: String? = nil, fontStack: String? = nil) {
        self.displayName = displayName
        self.logoURL = logoURL
        self.primaryColor = primaryColor
        self.accentColor = accentColor
        self.backgroundColor = backgroundColor
        self.textColor = textColor
        self.fontStack = fontStack
    }

    public var isEmpty: Bool { self == Branding() }

    /// Black or white, whichever reads better on `color` (`#rrggbb`): text on the brand's buttons.
    public static func textColor(on color: String) -> String {
        guard let luminance = relativeLuminance(color) else { return "#ffffff" }
        // Contrast with white is 1.05 / (L + 0.05), with black (L + 0.05) / 0.05.
        return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? "#ffffff" : "#000000"
    }

    /// WCAG 2 relative luminance of `#rrggbb`; nil for anything else.
    public static func relativeLuminance(_ color: String) -> Double? {
        guard isHexColor(color) else { return nil }
        let hex = Array(color.utf8.dropFirst())
        func channel(_ index: Int) -> Double {
            let value = Double(Int(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16) ?? 0) / 255
            return value <= 0.03928 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }

    /// `#` and six hex digits.
    public static func isHexColor(_ text: String) -> Bool {
        text.utf8.count == 7 && text.hasPrefix("#") && text.dropFirst().allSatisfy { $0.isHexDigit }
    }
}
