"""Reports drawn from one Results: the only code that writes files.

``write.write_reports`` writes the chosen formats; ``view`` and ``format`` are what every
format reads and rounds through; ``tables`` builds the rows behind the CSV files and the
workbook; ``html``, ``markdown``, ``xlsx`` and ``charts/`` make the documents; ``terminal``
renders the summary the CLI prints.
"""
