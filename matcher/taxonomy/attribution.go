package taxonomy

// Attribution must be shown wherever the product uses the taxonomy data; the
// README and `matchctl about` show it.
const Attribution = `Data sources of the taxonomy:
- This service uses the ESCO classification of the European Commission. (talentmatch ships a
  modified version of ESCO v1.1.1: reformatted, column-reduced, merged with other sources and
  extended with Chinese labels written by the talentmatch team.)
- This product includes information from the O*NET 29.2 Database by the U.S. Department of Labor,
  Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. O*NET® is a
  trademark of USDOL/ETA. talentmatch has modified this information; USDOL/ETA has not approved,
  endorsed, or tested these modifications.
- Source: Eurostat, NACE Rev. 2 classification.
- Chinese skill, industry and city names (curated skills, ESCO skills, knowledge and skill groups,
  O*NET technology classes, NACE Rev. 2 sections, divisions and groups): written and reviewed by
  the talentmatch team (matcher/taxonomy/curated). GB/T 4754-2017 is not used.
- Traditional-to-simplified Chinese conversion: OpenCC dictionaries (Carbo Kuo/BYVoid and
  contributors, Apache License 2.0) through github.com/longbridgeapp/opencc (Apache License 2.0).`
