"""Why a span failed, said first: the exception's type and message and its stack trace (`logic`), as a banner (`widget`).

    from viewer.failure.logic import span_failure
    failure = span_failure(span)        # None for a span that did not fail
    print(failure.headline)             # "HttpResponseError: (RateLimitReached) Rate limit is exceeded."
"""
