import Foundation
import HTTPTypes
import Hummingbird

/// HTML answers of the console and the portal, with the headers every page carries: no caching of
/// personal pages, no framing, no sniffing, and a content policy that allows only our own scripts
/// and styles (brand colours come from a stylesheet route, not inline styles).
enum WebResponse {
    static let contentSecurityPolicy = [
        "default-src 'self'", "img-src 'self' https: data:", "style-src 'self'", "script-src 'self'",
        "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
    ].joined(separator: "; ")

    /// A rendered page.
    static func html(_ body: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var headers = pageHeaders(cookies: cookies)
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The template `name` rendered with `context` as a page.
    static func page(_ name: String, _ context: Any, status: HTTPResponse.Status = .ok, cookies: [String] = []) throws -> Response {
        html(try WebTemplates.render(name, context), status: status, cookies: cookies)
    }

    /// 303 See Other to `location`: the answer to every successful form post, so a reload never posts twice.
    static func redirect(to location: String, cookies: [String] = []) -> Response {
        var headers = pageHeaders(cookies: cookies)
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// A plain-text refusal (403 for a missing CSRF token or a role too low, 404 …) for requests
    /// that are not a page view, such as a forged form post.
    static func refusal(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var headers = pageHeaders(cookies: [])
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    private static func pageHeaders(cookies: [String]) -> HTTPFields {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return headers
    }
}
