"""Find the US tariff line from the words a seller types (``costimpact hts search``)."""

from costimpact.hts_search.index import format_hts, search_hts, suggest_for_code, suggest_for_rejects

__all__ = ["format_hts", "search_hts", "suggest_for_code", "suggest_for_rejects"]
