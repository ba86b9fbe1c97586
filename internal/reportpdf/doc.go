// Package reportpdf renders Hikeshi's reports as PDF with an embedded
// Japanese font (IPAex Gothic, under the IPA Font License v1.0 beside it in
// fonts/), subset to the glyphs a document uses.
package reportpdf
