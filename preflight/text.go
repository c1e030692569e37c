package preflight

import (
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"portail"
)

// maxChars bounds the characters read from page 1: a letter's first page
// holds a few thousand.
const maxChars = 50000

// char is one character of page 1, its box in mm from the top-left.
type char struct {
	r                        rune
	left, top, right, bottom float64
}

func (c char) cx() float64 { return (c.left + c.right) / 2 }
func (c char) cy() float64 { return (c.top + c.bottom) / 2 }

// windowLines reads the text of page in each window's zone (D5).
func windowLines(p pdfium.Pdfium, page references.FPDF_PAGE, g geometry) (map[portail.Window][]string, error) {
	chars, err := pageChars(p, page, g)
	if err != nil {
		return nil, err
	}
	out := map[portail.Window][]string{}
	for _, w := range []portail.Window{portail.WindowRight, portail.WindowLeft} {
		if lines := linesIn(chars, w.Zone()); len(lines) > 0 {
			out[w] = lines
		}
	}
	return out, nil
}

func pageChars(p pdfium.Pdfium, page references.FPDF_PAGE, g geometry) ([]char, error) {
	tp, err := p.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: requests.Page{ByReference: &page}})
	if err != nil {
		return nil, err
	}
	defer p.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage})
	n, err := p.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: tp.TextPage})
	if err != nil {
		return nil, err
	}
	var chars []char
	zones := []portail.Rect{portail.WindowRight.Zone(), portail.WindowLeft.Zone()}
	for i := 0; i < n.Count && i < maxChars; i++ {
		// The loose box spans the glyph's advance and the font's ascent
		// and descent: its gaps are the writer's spaces, not the shapes
		// of narrow letters (an "l" drawn in a font substituted for one
		// not embedded would otherwise split its word). The box comes
		// first: most characters of a page are outside the windows, and
		// each call into the engine counts.
		box, err := p.FPDFText_GetLooseCharBox(&requests.FPDFText_GetLooseCharBox{TextPage: tp.TextPage, Index: i})
		if err != nil {
			continue
		}
		x1, y1 := g.toMM(float64(box.Rect.Left), float64(box.Rect.Top))
		x2, y2 := g.toMM(float64(box.Rect.Right), float64(box.Rect.Bottom))
		c := char{left: math.Min(x1, x2), right: math.Max(x1, x2), top: math.Min(y1, y2), bottom: math.Max(y1, y2)}
		if !inAny(c, zones) {
			continue
		}
		u, err := p.FPDFText_GetUnicode(&requests.FPDFText_GetUnicode{TextPage: tp.TextPage, Index: i})
		if err != nil {
			return nil, err
		}
		c.r = rune(u.Unicode)
		if c.r == 0 || c.r == '\r' || c.r == '\n' || c.r == unicode.ReplacementChar {
			continue
		}
		chars = append(chars, c)
	}
	return chars, nil
}

// inside reports whether the centre of c's box is in zone.
func inside(c char, zone portail.Rect) bool {
	x, y := c.cx(), c.cy()
	return x >= zone.X && x <= zone.X+zone.W && y >= zone.Y && y <= zone.Y+zone.H
}

func inAny(c char, zones []portail.Rect) bool {
	for _, z := range zones {
		if inside(c, z) {
			return true
		}
	}
	return false
}

// linesIn groups the characters whose box centre is inside zone into
// lines, top to bottom, left to right; a wide gap is a space.
func linesIn(chars []char, zone portail.Rect) []string {
	var in []char
	for _, c := range chars {
		if inside(c, zone) {
			in = append(in, c)
		}
	}
	// A space PDFium generates has a box of no size: it cannot say
	// which line it is on; the gap it stands for will.
	glyphs := in[:0]
	for _, c := range in {
		if !unicode.IsSpace(c.r) || (c.right > c.left && c.bottom > c.top) {
			glyphs = append(glyphs, c)
		}
	}
	sort.SliceStable(glyphs, func(i, j int) bool { return glyphs[i].cy() < glyphs[j].cy() })
	type line struct {
		cs       []char
		top, bot float64
	}
	var lines []*line
	for _, c := range glyphs {
		h := c.bottom - c.top
		var l *line
		if len(lines) > 0 {
			last := lines[len(lines)-1]
			// The same line when the centre lies within the line's
			// band (glyphs of one line differ in height, not in place).
			mid := (last.top + last.bot) / 2
			if math.Abs(c.cy()-mid) < math.Max(h, last.bot-last.top)*0.5 {
				l = last
			}
		}
		if l == nil {
			l = &line{top: c.top, bot: c.bottom}
			lines = append(lines, l)
		}
		l.cs = append(l.cs, c)
		l.top, l.bot = math.Min(l.top, c.top), math.Max(l.bot, c.bottom)
	}
	var out []string
	for _, l := range lines {
		sort.SliceStable(l.cs, func(i, j int) bool { return l.cs[i].left < l.cs[j].left })
		var b strings.Builder
		height := l.bot - l.top
		for i, c := range l.cs {
			// Loose boxes of one word abut; a tenth of the line's
			// height apart is a space the writer left as a move.
			if i > 0 && c.left-l.cs[i-1].right > height*0.1 {
				b.WriteByte(' ')
			}
			b.WriteRune(c.r)
		}
		if s := strings.Join(strings.Fields(b.String()), " "); s != "" {
			out = append(out, s)
		}
	}
	return out
}
