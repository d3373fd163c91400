import Foundation

/// Small dependency-free SVG plots: log-log lines and log-scale grouped bars.
package enum SVGPlot {
    package struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        package init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    package static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    package static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }

    package static func logLog(title: String, xLabel: String, yLabel: String, series: [Series]) -> String {
        let w = 900.0, h = 460.0, l = 80.0, r = 300.0, t = 40.0, b = 60.0
        let xs = series.flatMap { $0.points.map(\.x) }.filter { $0 > 0 }
        let ys = series.flatMap { $0.points.map(\.y) }.filter { $0 > 0 }
        guard let x0 = xs.min(), let x1 = xs.max(), let y0 = ys.min(), let y1 = ys.max() else { return empty(title) }
        let lx0 = floor(log10(x0)), lx1 = max(ceil(log10(x1)), lx0 + 1)
        let ly0 = floor(log10(y0)), ly1 = max(ceil(log10(y1)), ly0 + 1)
        func px(_ x: Double) -> Double { l + (log10(x) - lx0) / (lx1 - lx0) * (w - l - r) }
        func py(_ y: Double) -> Double { h - b - (log10(y) - ly0) / (ly1 - ly0) * (h - t - b) }
        var s = header(w, h, title)
        s += axes(l: l, r: w - r, t: t, b: h - b)
        for e in stride(from: lx0, through: lx1, by: 1) {
            s += "<text x=\"\(px(pow(10, e)))\" y=\"\(h - b + 18)\" text-anchor=\"middle\" font-size=\"11\">1e\(Int(e))</text>\n"
        }
        for e in stride(from: ly0, through: ly1, by: 1) {
            let y = py(pow(10, e))
            s += "<line x1=\"\(l)\" y1=\"\(y)\" x2=\"\(w - r)\" y2=\"\(y)\" stroke=\"#eee\"/>\n"
            s += "<text x=\"\(l - 6)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"11\">1e\(Int(e))</text>\n"
        }
        s += "<text x=\"\((l + w - r) / 2)\" y=\"\(h - 15)\" text-anchor=\"middle\" font-size=\"13\">\(esc(xLabel))</text>\n"
        s += "<text x=\"18\" y=\"\((t + h - b) / 2)\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 \((t + h - b) / 2))\">\(esc(yLabel))</text>\n"
        for (i, se) in series.enumerated() {
            let c = palette[i % palette.count]
            let pts = se.points.filter { $0.x > 0 && $0.y > 0 }.sorted { $0.x < $1.x }
            s += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" points=\"\(pts.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " "))\"/>\n"
            for p in pts { s += "<circle cx=\"\(px(p.x))\" cy=\"\(py(p.y))\" r=\"3\" fill=\"\(c)\"/>\n" }
            s += legend(i, se.name, c, x: w - r + 10, y: t + 10)
        }
        return s + "</svg>\n"
    }

    package static func bars(title: String, yLabel: String, groups: [String], series: [Series]) -> String {
        let w = 900.0, h = 460.0, l = 80.0, r = 300.0, t = 40.0, b = 90.0
        let ys = series.flatMap { $0.points.map(\.y) }.filter { $0 > 0 }
        guard let y0 = ys.min(), let y1 = ys.max() else { return empty(title) }
        // one decade below the smallest bar, so that a bar of the minimum value still shows
        let ly0 = floor(log10(y0)) - 1, ly1 = max(ceil(log10(y1)), ly0 + 1)
        func py(_ y: Double) -> Double { y <= 0 ? h - b : h - b - (log10(y) - ly0) / (ly1 - ly0) * (h - t - b) }
        let gw = (w - l - r) / Double(max(groups.count, 1))
        let bw = gw * 0.8 / Double(max(series.count, 1))
        var s = header(w, h, title) + axes(l: l, r: w - r, t: t, b: h - b)
        for e in stride(from: ly0, through: ly1, by: 1) {
            let y = py(pow(10, e))
            s += "<line x1=\"\(l)\" y1=\"\(y)\" x2=\"\(w - r)\" y2=\"\(y)\" stroke=\"#eee\"/>\n"
            s += "<text x=\"\(l - 6)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"11\">1e\(Int(e))</text>\n"
        }
        for (gi, g) in groups.enumerated() {
            let x = l + Double(gi) * gw + gw / 2
            s += "<text x=\"\(x)\" y=\"\(h - b + 16)\" text-anchor=\"end\" font-size=\"11\" transform=\"rotate(-35 \(x) \(h - b + 16))\">\(esc(g))</text>\n"
        }
        for (si, se) in series.enumerated() {
            let c = palette[si % palette.count]
            for p in se.points where p.y > 0 {
                let gi = Int(p.x)
                let x = l + Double(gi) * gw + gw * 0.1 + Double(si) * bw
                s += "<rect x=\"\(x)\" y=\"\(py(p.y))\" width=\"\(bw * 0.9)\" height=\"\(h - b - py(p.y))\" fill=\"\(c)\"><title>\(esc(se.name)) \(esc(groups[gi])): \(p.y)</title></rect>\n"
            }
            s += legend(si, se.name, c, x: w - r + 10, y: t + 10)
        }
        s += "<text x=\"18\" y=\"\((t + h - b) / 2)\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 \((t + h - b) / 2))\">\(esc(yLabel))</text>\n"
        return s + "</svg>\n"
    }

    package static func header(_ w: Double, _ h: Double, _ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"\(w / 2)\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(esc(title))</text>\n"
    }
    package static func axes(l: Double, r: Double, t: Double, b: Double) -> String {
        "<line x1=\"\(l)\" y1=\"\(b)\" x2=\"\(r)\" y2=\"\(b)\" stroke=\"black\"/>\n<line x1=\"\(l)\" y1=\"\(t)\" x2=\"\(l)\" y2=\"\(b)\" stroke=\"black\"/>\n"
    }
    package static func legend(_ i: Int, _ name: String, _ c: String, x: Double, y: Double) -> String {
        let yy = y + Double(i) * 18
        return "<rect x=\"\(x)\" y=\"\(yy - 9)\" width=\"12\" height=\"12\" fill=\"\(c)\"/><text x=\"\(x + 18)\" y=\"\(yy + 2)\" font-size=\"12\">\(esc(name))</text>\n"
    }
    package static func empty(_ title: String) -> String { header(400, 100, title) + "<text x=\"20\" y=\"60\">no data</text></svg>\n" }
}
