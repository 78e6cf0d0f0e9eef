rule table:
    input:
        table_scores,
    output:
        csv=report("results/tables/{table}.csv", caption="../report/table.rst", category="Tables"),
        md="results/tables/{table}.md",
        tex="results/tables/{table}.tex",
    log:
        "logs/table/{table}.log",
    params:
        title=table_title,
        code=code("table.py"),
    script:
        "../../scripts/table.py"
