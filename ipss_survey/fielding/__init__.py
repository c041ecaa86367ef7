"""Forms for fielding an instrument: an XLSForm for KoboToolbox/ODK, a data-entry workbook.

``xlsform`` writes the instrument as a form that pyxform (and so Kobo and ODK) converts and
that ``instrument.xlsform.read_xlsform`` reads back as the same instrument; ``template`` writes
a workbook to type paper questionnaires into, which the readers analyse with no options. Both
return bytes: the caller decides where they go.
"""
