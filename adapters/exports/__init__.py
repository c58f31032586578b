"""Export files: Word, CSV, Excel and the PDF report, written from `bot.exports.ExportData` off the event loop."""
