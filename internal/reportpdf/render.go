package reportpdf

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// The font and its licence (fonts/IPA_Font_License_Agreement_v1.0.txt, which
// must stay beside it): the licence allows redistribution, embedded or not.
//
//go:embed fonts/ipaexg.ttf
var ipaexGothic []byte

//go:embed fonts/IPA_Font_License_Agreement_v1.0.txt
var License string

// Limits of what Render accepts: a report beyond them is refused with
// ErrTooLarge rather than tying up the server.
const (
	MaxInput     = 4 << 20 // bytes of Markdown
	MaxLines     = 40000   // lines of Markdown
	MaxPages     = 500     // pages of the PDF
	maxCellLines = 30      // lines of one table cell; more are cut with …
)

// ErrTooLarge is the error of a report too large to render as PDF.
var ErrTooLarge = errors.New("the report is too large to render as PDF; download it as Markdown")

// Input is what a PDF is made from.
type Input struct {
	Markdown string    // the report as Markdown (headings, lists, tables, paragraphs, ---)
	Title    string    // document metadata
	Marking  string    // the classification printed in every header and footer, e.g. TLP:AMBER
	Colour   string    // the marking's colour, #RRGGBB (TLP 2.0 colours on black); empty = black on white
	Footer   string    // printed left of the page number, e.g. the incident number
	Created  time.Time // the document's creation date (zero = now)
}

const (
	fontName = "ipaexg"
	bodySize = 9.5
	lineH    = 5.0
)

// Render writes the report as an A4 PDF with the IPAex Gothic font embedded
// and subset to the glyphs it uses. It never panics: fpdf's panics become
// errors.
func Render(in Input) (out []byte, err error) {
	if len(in.Markdown) > MaxInput {
		return nil, ErrTooLarge
	}
	in.Markdown, in.Title, in.Marking, in.Footer = printable(in.Markdown), printable(in.Title), printable(in.Marking), printable(in.Footer)
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("render PDF: %v", r)
		}
	}()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreator("Hikeshi", false)
	pdf.SetTitle(in.Title, true)
	if !in.Created.IsZero() {
		pdf.SetCreationDate(in.Created)
		pdf.SetModificationDate(in.Created)
	}
	pdf.AddUTF8FontFromBytes(fontName, "", ipaexGothic)
	pdf.SetMargins(18, 22, 18)
	pdf.SetAutoPageBreak(true, 20)
	pdf.AliasNbPages("{nb}")
	r, g, b := hexColour(in.Colour)
	marking := func(y float64) {
		pdf.SetFont(fontName, "", 9)
		if in.Colour != "" {
			pdf.SetFillColor(0, 0, 0)
			pdf.SetTextColor(r, g, b)
		}
		w := pdf.GetStringWidth(in.Marking) + 4
		pw, _ := pdf.GetPageSize()
		pdf.SetXY(pw-18-w, y)
		pdf.CellFormat(w, 5, in.Marking, "", 0, "C", in.Colour != "", 0, "")
		pdf.SetTextColor(0, 0, 0)
	}
	pdf.SetHeaderFunc(func() {
		if in.Marking != "" {
			marking(10)
		}
		pdf.SetXY(18, 22)
	})
	pdf.SetFooterFunc(func() {
		_, ph := pdf.GetPageSize()
		pdf.SetXY(18, ph-14)
		pdf.SetFont(fontName, "", 8)
		pdf.SetTextColor(80, 80, 80)
		pdf.CellFormat(100, 5, in.Footer, "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetXY(18, ph-14)
		pw, _ := pdf.GetPageSize()
		pdf.CellFormat(pw-36, 5, fmt.Sprintf("%d / {nb}", pdf.PageNo()), "", 0, "C", false, 0, "")
		if in.Marking != "" {
			marking(ph - 14)
		}
	})
	pdf.AddPage()
	if err := write(pdf, in.Markdown); err != nil {
		return nil, err
	}
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("render PDF: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// printable replaces what the font cannot show: characters outside the
// Basic Multilingual Plane (emoji) become "?", control characters but line
// breaks and tabs are dropped.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r > 0xFFFF:
			return '?'
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xA0):
			return -1
		}
		return r
	}, s)
}

func hexColour(s string) (int, int, int) {
	var r, g, b int
	if len(s) == 7 && s[0] == '#' {
		if _, err := fmt.Sscanf(s[1:], "%02x%02x%02x", &r, &g, &b); err == nil {
			return r, g, b
		}
	}
	return 0, 0, 0
}

// write lays the Markdown out line by line.
func write(pdf *fpdf.Fpdf, md string) error {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	if len(lines) > MaxLines {
		return ErrTooLarge
	}
	pw, _ := pdf.GetPageSize()
	width := pw - 36
	var table [][]string
	flush := func() {
		if len(table) > 0 {
			writeTable(pdf, table, width)
			table = nil
		}
	}
	for _, line := range lines {
		if pdf.PageNo() > MaxPages {
			return ErrTooLarge
		}
		if pdf.Err() {
			return pdf.Error()
		}
		t := strings.TrimRight(line, " \t")
		if strings.HasPrefix(strings.TrimSpace(t), "|") {
			if !separatorRow(t) {
				table = append(table, tableCells(t))
			}
			continue
		}
		flush()
		switch {
		case strings.HasPrefix(t, "# "):
			heading(pdf, t[2:], 16, width)
		case strings.HasPrefix(t, "## "):
			heading(pdf, t[3:], 13, width)
		case strings.HasPrefix(t, "### "):
			heading(pdf, t[4:], 11, width)
		case strings.HasPrefix(t, "#### "):
			heading(pdf, t[5:], 10, width)
		case t == "---" || t == "***":
			pdf.Ln(2)
			y := pdf.GetY()
			pdf.SetDrawColor(150, 150, 150)
			pdf.Line(18, y, 18+width, y)
			pdf.Ln(3)
		case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* "):
			pdf.SetFont(fontName, "", bodySize)
			pdf.SetX(21)
			pdf.CellFormat(4, lineH, "・", "", 0, "L", false, 0, "")
			pdf.MultiCell(width-7, lineH, inline(t[2:]), "", "L", false)
		case strings.TrimSpace(t) == "":
			pdf.Ln(2)
		default:
			pdf.SetFont(fontName, "", bodySize)
			pdf.SetX(18)
			pdf.MultiCell(width, lineH, inline(t), "", "L", false)
		}
	}
	flush()
	if pdf.PageNo() > MaxPages {
		return ErrTooLarge
	}
	return nil
}

func heading(pdf *fpdf.Fpdf, s string, size, width float64) {
	pdf.Ln(2)
	pdf.SetFont(fontName, "", size)
	pdf.SetX(18)
	pdf.MultiCell(width, size*0.55, inline(s), "", "L", false)
	if size >= 13 {
		y := pdf.GetY() + 0.5
		pdf.SetDrawColor(60, 60, 60)
		pdf.Line(18, y, 18+width, y)
	}
	pdf.Ln(2)
}

// inline removes the Markdown a reader should not see in print.
func inline(s string) string {
	s = strings.ReplaceAll(s, "**", "")
	s = strings.ReplaceAll(s, "\\|", "|")
	return s
}

func separatorRow(s string) bool {
	s = strings.TrimSpace(s)
	return strings.Trim(s, "|-: ") == "" && strings.Contains(s, "-")
}

// tableCells splits a Markdown table row at the bars that are not escaped.
func tableCells(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "|")
	if strings.HasSuffix(s, "|") && !strings.HasSuffix(s, "\\|") {
		s = s[:len(s)-1]
	}
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '|':
			cur.WriteByte('|')
			i++
		case s[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// writeTable draws a table whose first row is the header, in columns as wide
// as their longest content allows, breaking pages between rows.
func writeTable(pdf *fpdf.Fpdf, rows [][]string, width float64) {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return
	}
	size := bodySize - 1
	if cols > 4 {
		size = bodySize - 2
	}
	pdf.SetFont(fontName, "", size)
	// Column widths: proportional to the widest content, each at least
	// a share that keeps narrow columns readable.
	want := make([]float64, cols)
	for _, r := range rows {
		for i, c := range r {
			want[i] = max(want[i], min(pdf.GetStringWidth(c)+3, width))
		}
	}
	total := 0.0
	for i := range want {
		want[i] = max(want[i], width/float64(cols)/2)
		total += want[i]
	}
	widths := make([]float64, cols)
	for i := range want {
		widths[i] = want[i] / total * width
	}
	h := lineH - 0.6
	_, ph := pdf.GetPageSize()
	_, _, _, bottom := pdf.GetMargins()
	for ri, r := range rows {
		cells := make([][]string, cols)
		n := 1
		for i := range cols {
			text := ""
			if i < len(r) {
				text = r[i]
			}
			lines := pdf.SplitText(text, widths[i]-2)
			if len(lines) > maxCellLines {
				lines = append(lines[:maxCellLines-1], "…")
			}
			cells[i] = lines
			n = max(n, len(lines))
		}
		rowH := float64(n)*h + 1.5
		if pdf.GetY()+rowH > ph-bottom-2 {
			pdf.AddPage()
			pdf.SetFont(fontName, "", size)
		}
		x, y := 18.0, pdf.GetY()
		if ri == 0 {
			pdf.SetFillColor(235, 235, 235)
		}
		for i := range cols {
			pdf.SetXY(x, y)
			pdf.CellFormat(widths[i], rowH, "", "1", 0, "L", ri == 0, 0, "")
			for li, l := range cells[i] {
				pdf.SetXY(x+1, y+0.75+float64(li)*h)
				pdf.CellFormat(widths[i]-2, h, l, "", 0, "L", false, 0, "")
			}
			x += widths[i]
		}
		pdf.SetXY(18, y+rowH)
	}
	pdf.Ln(2)
}
