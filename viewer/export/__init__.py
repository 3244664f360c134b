"""Taking a case anywhere: an offline HTML presentation and a PDF handout."""
